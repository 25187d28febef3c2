import sharp from 'sharp';
import { bitmapText, bitmapTextWidth } from '../../synthetic/font.js';
import { renderScene } from '../../synthetic/render.js';
import type { Scene } from '../../synthetic/scenes.js';

/**
 * The demo site's image bytes besides the scene "photos" (synthetic/render.ts): the web's usual
 * noise: a logo, icons, spacer GIFs, ad banners, "read more" thumbnails, a truncated JPEG.
 */

/** A flat picture with a word on it: logos, banners, buttons, icons. */
export async function renderLabel(opts: { width: number; height: number; background: string; ink: string; text: string; format: 'png' | 'jpeg' }): Promise<Buffer> {
  const cell = Math.max(1, Math.min(Math.floor((opts.height * 0.6) / 7), Math.floor((opts.width * 0.85) / Math.max(1, opts.text.length * 6))));
  const tw = bitmapTextWidth(opts.text, cell);
  const x = Math.round((opts.width - tw) / 2);
  const y = Math.round((opts.height - 7 * cell) / 2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${opts.width}" height="${opts.height}">
    <rect width="100%" height="100%" fill="${opts.background}"/>${opts.text ? bitmapText(opts.text, x, y, cell, opts.ink) : ''}</svg>`;
  const image = sharp(Buffer.from(svg));
  return opts.format === 'png' ? image.png().toBuffer() : image.flatten().jpeg({ quality: 80 }).toBuffer();
}

/** A 1×1 GIF (spacers, lazy-load placeholders); transparent when `transparent`. */
export async function renderPixelGif(transparent: boolean): Promise<Buffer> {
  return sharp({ create: { width: 1, height: 1, channels: 4, background: { r: 255, g: 255, b: 255, alpha: transparent ? 0 : 1 } } })
    .gif()
    .toBuffer();
}

/** The first part of a JPEG: its header probes fine, its pixels do not decode. */
export async function renderTruncatedJpeg(scene: Scene): Promise<Buffer> {
  const full = await renderScene(scene);
  return full.subarray(0, Math.floor(full.length / 3));
}
