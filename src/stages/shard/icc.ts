/**
 * Spotting JPEGs whose embedded ICC profile is plain sRGB, so the encoder can skip the colour
 * transform: sharp runs lcms over every pixel of the full-size image before it resizes, which
 * made an sRGB-tagged photo cost about 2.5x an untagged one (bench/shard-ablation.ts, x-icc), and
 * converting sRGB to sRGB changes nothing but rounding. Any other profile (Display P3, Adobe RGB,
 * a gamma-1.8 "Generic RGB", grey, CMYK, a LUT-based one) is left to sharp's transform.
 */

const ICC_MARKER = Buffer.from('ICC_PROFILE\0', 'latin1');

/**
 * The embedded ICC profile of a JPEG: its APP2 `ICC_PROFILE` chunks joined in sequence order.
 * Null when the data is not a JPEG, has no profile, or its header is malformed (sharp decides then).
 */
export function jpegIccProfile(data: Buffer): Buffer | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null;
  const chunks: { seq: number; data: Buffer }[] = [];
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1]!;
    if (marker === 0xff) { // fill byte before a marker
      at += 1;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan or end of image: no more headers
    const length = data.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > data.length) return null;
    const body = data.subarray(at + 4, at + 2 + length);
    if (marker === 0xe2 && body.length > ICC_MARKER.length + 2 && body.subarray(0, ICC_MARKER.length).equals(ICC_MARKER)) {
      chunks.push({ seq: body[ICC_MARKER.length]!, data: body.subarray(ICC_MARKER.length + 2) });
    }
    at += 2 + length;
  }
  if (chunks.length === 0) return null;
  return Buffer.concat(chunks.sort((a, b) => a.seq - b.seq).map((c) => c.data));
}

/** sRGB's primaries adapted to D50, as a matrix/TRC profile stores them (rXYZ, gXYZ, bXYZ). */
const SRGB_COLORANTS: Record<string, [number, number, number]> = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141],
};
const COLORANT_TOLERANCE = 0.002;
/** Largest difference from the sRGB curve a tone curve may have (about half an 8-bit step). */
const CURVE_TOLERANCE = 0.002;

/**
 * Whether a profile is colorimetrically sRGB: an RGB matrix/TRC display profile (no LUT tags, which
 * lcms would prefer for the perceptual intent sharp uses) whose colorants and three tone curves
 * match sRGB's. Judged by the numbers, not the name, so a profile called "sRGB" that is not is
 * still transformed.
 */
export function isSrgbProfile(icc: Buffer): boolean {
  try {
    if (icc.length < 132 || icc.toString('latin1', 36, 40) !== 'acsp') return false;
    if (icc.toString('latin1', 16, 20) !== 'RGB ' || icc.toString('latin1', 20, 24) !== 'XYZ ') return false;
    const tags = readTags(icc);
    if (['A2B0', 'A2B1', 'A2B2', 'B2A0', 'B2A1', 'B2A2'].some((t) => tags.has(t))) return false;
    for (const [tag, want] of Object.entries(SRGB_COLORANTS)) {
      const at = tags.get(tag);
      if (at === undefined || icc.toString('latin1', at, at + 4) !== 'XYZ ') return false;
      if (want.some((v, i) => Math.abs(icc.readInt32BE(at + 8 + 4 * i) / 65536 - v) > COLORANT_TOLERANCE)) return false;
    }
    return ['rTRC', 'gTRC', 'bTRC'].every((tag) => tags.has(tag) && isSrgbCurve(icc, tags.get(tag)!));
  } catch {
    return false; // a truncated or odd profile: let sharp transform it
  }
}

function readTags(icc: Buffer): Map<string, number> {
  const count = icc.readUInt32BE(128);
  const tags = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const entry = 132 + 12 * i;
    tags.set(icc.toString('latin1', entry, entry + 4), icc.readUInt32BE(entry + 4));
  }
  return tags;
}

/** The sRGB transfer function (encoded value to linear). */
function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** A `curv` (table or gamma) or `para` tone curve that stays within tolerance of sRGB's. */
function isSrgbCurve(icc: Buffer, at: number): boolean {
  const curve = toneCurve(icc, at);
  if (!curve) return false;
  for (let i = 0; i <= 256; i++) {
    const v = i / 256;
    if (Math.abs(curve(v) - srgbToLinear(v)) > CURVE_TOLERANCE) return false;
  }
  return true;
}

function toneCurve(icc: Buffer, at: number): ((v: number) => number) | null {
  const type = icc.toString('latin1', at, at + 4);
  if (type === 'curv') {
    const n = icc.readUInt32BE(at + 8);
    if (n === 0) return (v) => v;
    if (n === 1) {
      const gamma = icc.readUInt16BE(at + 12) / 256;
      return (v) => v ** gamma;
    }
    const table = Array.from({ length: n }, (_, i) => icc.readUInt16BE(at + 12 + 2 * i) / 65535);
    return (v) => {
      const x = v * (n - 1);
      const i = Math.min(n - 2, Math.floor(x));
      return table[i]! + (table[i + 1]! - table[i]!) * (x - i);
    };
  }
  if (type === 'para') {
    const fn = icc.readUInt16BE(at + 8);
    const counts = [1, 3, 4, 5, 7];
    if (fn >= counts.length) return null;
    const p = Array.from({ length: counts[fn]! }, (_, i) => icc.readInt32BE(at + 12 + 4 * i) / 65536);
    const [g, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = p as [number, ...number[]];
    const pow = (x: number): number => (x > 0 ? x ** g : 0);
    if (fn === 0) return (v) => pow(v);
    if (fn === 1) return (v) => (v >= -b / a ? pow(a * v + b) : 0);
    if (fn === 2) return (v) => (v >= -b / a ? pow(a * v + b) + c : c);
    if (fn === 3) return (v) => (v >= d ? pow(a * v + b) : c * v);
    return (v) => (v >= d ? pow(a * v + b) + e : c * v + f);
  }
  return null;
}
