/**
 * What index, search, classify and score need from a trained run: unit embeddings of single
 * images and texts, and which checkpoint made them. The train stage's opened run is one (the CLI
 * hands it in), so this stage never imports the train stage.
 */
export interface VectorEncoder {
  /** The run directory and checkpoint step that made the vectors. */
  readonly runDir: string;
  readonly step: number;
  readonly embedDim: number;
  /** Unit image embeddings, row-major; ok[i] is false when image i did not decode (its row is zero). */
  embedImages(images: readonly Buffer[]): Promise<{ vectors: Float32Array; ok: boolean[] }>;
  /** Unit text embeddings, row-major. */
  embedTexts(texts: readonly string[]): Promise<Float32Array>;
}

/** A unit vector in the direction of `v` (zero stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const n = Math.sqrt(s);
  return n > 0 ? v.map((x) => x / n) : v.slice();
}

/**
 * ALIGN's composed query (§7): normalise(normalise(image) + w·normalise(text)); a negative w
 * subtracts the text ("this image, without the snow").
 */
export function composeQuery(image: Float32Array, text: Float32Array, weight: number): Float32Array {
  const a = normalise(image);
  const b = normalise(text);
  return normalise(a.map((x, i) => x + weight * (b[i] as number)));
}

export function dot(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[bOffset + i] as number);
  return s;
}

/** Row i of a row-major matrix of width dim. */
export function row(m: Float32Array, i: number, dim: number): Float32Array {
  return m.subarray(i * dim, (i + 1) * dim);
}
