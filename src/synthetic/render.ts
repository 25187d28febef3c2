import sharp from 'sharp';
import { bitmapText, bitmapTextWidth } from './font.js';
import { COLOURS, type Scene, type Shape } from './scenes.js';

export interface RenderOptions {
  /** Output width in px (the height follows the scene's aspect). @default the scene's width */
  width?: number;
  /**
   * Flat colours: no gradient light, shadows or pixel noise. Those make the demo site's photos
   * look and compress like photos; a tiny training image (32 px) is clearer without them.
   * @default false
   */
  plain?: boolean;
}

/**
 * A scene's image: drawn as SVG and rendered with sharp, with gradient light and pixel noise so
 * it compresses like a photo (unless `plain`).
 */
export async function renderScene(scene: Scene, options: RenderOptions = {}): Promise<Buffer> {
  const { height } = scene;
  const plain = options.plain ?? false;
  const fill = COLOURS[scene.background];
  const background = plain
    ? `<rect width="100%" height="100%" fill="${fill}"/>`
    : `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${fill}" stop-opacity="0.75"/>
      <stop offset="1" stop-color="${fill}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="#000"/><rect width="100%" height="100%" fill="url(#g)"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${height}">
    ${background}
    ${scene.shapes.map((s) => shapeSvg(s, scene.width, height, plain)).join('')}
    ${scene.sign ? signSvg(scene, height) : ''}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (!plain) addNoise(data, scene.noiseSeed, 14);
  const image = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
  if (options.width !== undefined && options.width !== scene.width) image.resize({ width: options.width });
  return image.jpeg({ quality: 85 }).toBuffer();
}

function shapeSvg(s: Shape, w: number, h: number, plain: boolean): string {
  const unit = Math.min(w, h);
  const cx = s.cx * w;
  const cy = s.cy * h;
  const r = s.r * unit;
  const fill = COLOURS[s.colour];
  const shadow = (body: string): string => plain ? body : `<g transform="translate(${r * 0.12},${r * 0.12})" opacity="0.35">${body.replace(/fill="[^"]*"/, 'fill="#000"')}</g>${body}`;
  switch (s.kind) {
    case 'circle':
      return shadow(`<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`);
    case 'square':
      return shadow(`<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`);
    case 'triangle':
      return shadow(`<polygon points="${cx},${cy - r} ${cx + r},${cy + r * 0.8} ${cx - r},${cy + r * 0.8}" fill="${fill}"/>`);
    case 'diamond':
      return shadow(`<polygon points="${cx},${cy - r} ${cx + r * 0.7},${cy} ${cx},${cy + r} ${cx - r * 0.7},${cy}" fill="${fill}"/>`);
    case 'star': {
      const pts = Array.from({ length: 10 }, (_, i) => {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 === 0 ? r : r * 0.45;
        return `${(cx + rr * Math.cos(a)).toFixed(1)},${(cy + rr * Math.sin(a)).toFixed(1)}`;
      });
      return shadow(`<polygon points="${pts.join(' ')}" fill="${fill}"/>`);
    }
  }
}

function signSvg(scene: Scene, h: number): string {
  const sign = scene.sign!;
  const w = scene.width;
  const cell = Math.max(3, Math.floor((w * 0.7) / (sign.word.length * 6)));
  const tw = bitmapTextWidth(sign.word, cell);
  const th = 7 * cell;
  const x = Math.round((w - tw) / 2);
  const y = Math.round((h - th) / 2);
  const pad = cell * 3;
  return `<rect x="${x - pad + cell}" y="${y - pad + cell}" width="${tw + 2 * pad}" height="${th + 2 * pad}" rx="${cell}" fill="#000" opacity="0.35"/>
    <rect x="${x - pad}" y="${y - pad}" width="${tw + 2 * pad}" height="${th + 2 * pad}" rx="${cell}" fill="${COLOURS[sign.colour]}"/>
    ${bitmapText(sign.word, x, y, cell, COLOURS[sign.ink])}`;
}

/**
 * Luminance noise from a seeded xorshift: deterministic, and it makes the JPEGs photo-sized.
 * Inlined, with no call per pixel (jest's VM runs small closures many times slower).
 */
function addNoise(data: Buffer, seed: number, amplitude: number): void {
  let s = seed | 0 || 1;
  const span = 2 * amplitude + 1;
  for (let i = 0; i < data.length; i += 3) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const n = ((s >>> 0) % span) - amplitude;
    for (let c = i; c < i + 3; c++) {
      const v = data[c]! + n;
      data[c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}
