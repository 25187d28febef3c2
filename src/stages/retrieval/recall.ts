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

/** Recall@1/5/10 and mean rank in both directions. */
export function scoreRetrieval(e: Embeddings): RetrievalMetrics {
  const sim = similarityMatrix(e);
  return scoreSimilarity(sim, e.count);
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

function similarityMatrix(e: Embeddings): Float32Array {
  const { count: n, dim, image, text } = e;
  const sim = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const io = i * dim;
    for (let j = 0; j < n; j++) {
      const to = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) s += (image[io + k] as number) * (text[to + k] as number);
      sim[i * n + j] = s;
    }
  }
  return sim;
}
