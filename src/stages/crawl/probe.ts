import sharp from 'sharp';
import { FetchFailure } from './failure.js';

/**
 * Image probing with sharp: format, and width/height as displayed (after EXIF orientation).
 * The pixel cap (limitInputPixels) stops decompression bombs before any pixel is decoded.
 * 'header' mode reads only the header plus a structural check that catches truncated
 * JPEG/PNG/WebP files (sharp's default failOn 'warning' rejects those when decoding);
 * 'decode' mode decodes every pixel as well.
 */
export interface ImageProbe {
  format: string;
  width: number;
  height: number;
}

export interface ProbeOptions {
  maxPixels: number;
  check: 'header' | 'decode';
}

export async function probeImage(bytes: Buffer, options: ProbeOptions): Promise<ImageProbe> {
  const input = { limitInputPixels: options.maxPixels, failOn: 'warning' as const };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, input).metadata();
  } catch (err) {
    throw sharpFailure(err);
  }
  const { format, width, height } = meta;
  if (!format || !width || !height) throw new FetchFailure('decode_failed', { detail: 'no format or size in the header' });
  if (width * height > options.maxPixels) throw new FetchFailure('too_many_pixels', { detail: `${width}x${height}` });
  if (isTruncated(bytes, format)) throw new FetchFailure('truncated', { detail: `${format} data ends early` });
  if (options.check === 'decode') {
    try {
      await sharp(bytes, input).stats();
    } catch (err) {
      throw sharpFailure(err);
    }
  }
  return { format, width: meta.autoOrient?.width ?? width, height: meta.autoOrient?.height ?? height };
}

function sharpFailure(err: unknown): FetchFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) return new FetchFailure('too_many_pixels', { detail: message });
  if (/unsupported image format/i.test(message)) return new FetchFailure('unsupported_format', { detail: message });
  if (/corrupt header/i.test(message)) return new FetchFailure('decode_failed', { detail: message });
  if (/premature end|truncated|unexpected end/i.test(message)) return new FetchFailure('truncated', { detail: message });
  return new FetchFailure('decode_failed', { detail: message });
}

const SOS = Buffer.from([0xff, 0xda]);
const EOI = Buffer.from([0xff, 0xd9]);

/** Cheap end-of-data checks: a JPEG's last scan is closed by EOI, a PNG reaches IEND, a WebP holds its RIFF size. */
export function isTruncated(bytes: Buffer, format: string): boolean {
  switch (format) {
    case 'jpeg':
      // Entropy-coded data cannot contain FF D9 (0xFF is stuffed), so EOI after the last SOS means the scan ended.
      return bytes.lastIndexOf(EOI) < bytes.lastIndexOf(SOS);
    case 'png':
      return !reachesIend(bytes);
    case 'webp':
      return bytes.length < 12 || bytes.readUInt32LE(4) + 8 > bytes.length;
    default:
      return false;
  }
}

/** Walks the chunk headers (not the data) up to IEND; data appended after IEND is ignored, as decoders do. */
function reachesIend(bytes: Buffer): boolean {
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString('latin1', offset + 4, offset + 8) === 'IEND') return true;
    offset += 12 + length;
  }
  return false;
}
