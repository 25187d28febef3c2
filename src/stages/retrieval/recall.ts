/**
 * Retrieval metrics from paired embeddings: sample i's image and caption are the one right
 * answer for each other. Recall@K is the fraction of queries whose answer ranks in the top K;
 * mean rank is the answer's average 1-based rank.
 *
 * Ties are broken by sample order (as a stable sort would): an encoder that maps everything to
 * one point scores chance, not perfect recall.
 */

export interface DirectionMetrics {
  'R@1': number;
  'R@5': number;
  'R@10': number;
  meanRank: number;
}

export interface RetrievalMetrics {
  samples: number;
  imageToText: DirectionMetrics;
  textToImage: DirectionMetrics;
}

/** Row-major n×dim embeddings (unit rows for cosine similarity). */
export interface Embeddings {
  count: number;
  dim: number;
  image: Float32Array;
  text: Float32Array;
}

/**
 * Recall@1/5/10 and mean rank in both directions. Similarities are computed a block of images
 * at a time, so memory stays O(block × n) rather than n² (10,000 samples would need 400 MB).
 */
export function scoreRetrieval(e: Embeddings, blockSize = 256): RetrievalMetrics {
  const n = e.count;
  const diagonal = Float32Array.from({ length: n }, (_, i) => dot(e.image, i, e.text, i, e.dim));
  const imageRanks: number[] = [];
  const textRanks = new Array<number>(n).fill(1);
  for (let start = 0; start < n; start += blockSize) {
    const rows = Math.min(blockSize, n - start);
    const block = similarityBlock(e, start, rows);
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      imageRanks.push(rankOf(i, n, (j) => block[r * n + j] as number));
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const s = block[r * n + j] as number;
        const target = diagonal[j] as number;
        if (s > target || (s === target && i < j)) textRanks[j] = (textRanks[j] as number) + 1;
      }
    }
  }
  return { samples: n, imageToText: summarise(imageRanks), textToImage: summarise(textRanks) };
}

/** The same, from an n×n similarity matrix (rows: images, columns: captions). */
export function scoreSimilarity(sim: Float32Array | number[], n: number): RetrievalMetrics {
  const imageRanks: number[] = [];
  const textRanks: number[] = [];
  for (let i = 0; i < n; i++) {
    imageRanks.push(rankOf(i, n, (j) => sim[i * n + j] as number));
    textRanks.push(rankOf(i, n, (j) => sim[j * n + i] as number));
  }
  return { samples: n, imageToText: summarise(imageRanks), textToImage: summarise(textRanks) };
}

/** 1-based rank of candidate `answer` among n scores; earlier candidates win ties. */
export function rankOf(answer: number, n: number, score: (j: number) => number): number {
  const target = score(answer);
  let rank = 1;
  for (let j = 0; j < n; j++) {
    if (j === answer) continue;
    const s = score(j);
    if (s > target || (s === target && j < answer)) rank++;
  }
  return rank;
}

function summarise(ranks: number[]): DirectionMetrics {
  const n = ranks.length;
  const within = (k: number): number => (n === 0 ? 0 : ranks.filter((r) => r <= k).length / n);
  return {
    'R@1': within(1),
    'R@5': within(5),
    'R@10': within(10),
    meanRank: n === 0 ? 0 : ranks.reduce((a, b) => a + b, 0) / n,
  };
}

/** Rows start…start+rows of the image×text similarity matrix. */
function similarityBlock(e: Embeddings, start: number, rows: number): Float32Array {
  const n = e.count;
  const block = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) block[r * n + j] = dot(e.image, start + r, e.text, j, e.dim);
  }
  return block;
}

function dot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  const ao = i * dim;
  const bo = j * dim;
  let s = 0;
  for (let k = 0; k < dim; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
}
