import sharp from 'sharp';

/** The image's decoded RGB pixels. */
export async function rgb(input: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** PSNR in dB between two pixel buffers of the same layout. */
export function psnr(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`psnr of ${a.length} against ${b.length} bytes`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / Math.max(sum / a.length, 1e-12));
}
