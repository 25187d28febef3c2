import { rankOf, scoreRetrieval, scoreSimilarity } from '../../../src/stages/retrieval/index.js';

describe('Recall@K', () => {
  test('ranks and recalls of a hand-made 4×4 similarity matrix, both directions', () => {
    // Rows are images, columns captions; the diagonal is the right answer.
    const sim = [
      [0.9, 0.1, 0.2, 0.0], // image 0: its caption first → rank 1
      [0.8, 0.5, 0.6, 0.7], // image 1: three captions above its own → rank 4
      [0.1, 0.3, 0.4, 0.2], // image 2: rank 1
      [0.2, 0.9, 0.1, 0.3], // image 3: caption 1 above → rank 2
    ].flat();
    const m = scoreSimilarity(sim, 4);
    expect(m.samples).toBe(4);
    expect(m.imageToText).toEqual({ 'R@1': 0.5, 'R@5': 1, 'R@10': 1, meanRank: (1 + 4 + 1 + 2) / 4 });
    // Columns: caption 0 ← images (0.9 .8 .1 .2): rank 1; caption 1 (.1 .5 .3 .9): rank 2;
    // caption 2 (.2 .6 .4 .1): rank 2; caption 3 (0 .7 .2 .3): rank 2.
    expect(m.textToImage).toEqual({ 'R@1': 0.25, 'R@5': 1, 'R@10': 1, meanRank: 7 / 4 });
  });

  test('R@5 and R@10 count ranks within 5 and 10', () => {
    const n = 12;
    // Image i's own caption has n - i - 1 captions above it: ranks 12, 11, …, 1.
    const sim = Array.from({ length: n * n }, (_, k) => {
      const [i, j] = [Math.floor(k / n), k % n];
      return i === j ? 0.5 : j > i ? 1 : 0;
    });
    const m = scoreSimilarity(sim, n);
    expect(m.imageToText['R@1']).toBeCloseTo(1 / 12);
    expect(m.imageToText['R@5']).toBeCloseTo(5 / 12);
    expect(m.imageToText['R@10']).toBeCloseTo(10 / 12);
    expect(m.imageToText.meanRank).toBeCloseTo(6.5);
  });

  test('ties go to the earlier sample, so identical embeddings score chance, not perfect recall', () => {
    expect(rankOf(0, 3, () => 1)).toBe(1);
    expect(rankOf(2, 3, () => 1)).toBe(3);
    const dim = 4;
    const same = new Float32Array(10 * dim).map((_, k) => (k % dim === 0 ? 1 : 0));
    const m = scoreRetrieval({ count: 10, dim, image: same, text: same });
    expect(m.imageToText['R@1']).toBeCloseTo(0.1);
    expect(m.textToImage.meanRank).toBeCloseTo(5.5);
  });

  test('embeddings that pair up exactly score perfect recall', () => {
    const dim = 3;
    const rows = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ].flat();
    const m = scoreRetrieval({ count: 3, dim, image: Float32Array.from(rows), text: Float32Array.from(rows) });
    expect(m.imageToText).toEqual({ 'R@1': 1, 'R@5': 1, 'R@10': 1, meanRank: 1 });
    expect(m.textToImage).toEqual({ 'R@1': 1, 'R@5': 1, 'R@10': 1, meanRank: 1 });
  });
});

describe('scoring from embeddings', () => {
  test('block by block gives the same ranks as the full similarity matrix', () => {
    const n = 37;
    const dim = 5;
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const image = Float32Array.from({ length: n * dim }, random);
    const text = Float32Array.from({ length: n * dim }, random);
    const sim: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += image[i * dim + k]! * text[j * dim + k]!;
        sim.push(Math.fround(s));
      }
    }
    const expected = scoreSimilarity(sim, n);
    expect(scoreRetrieval({ count: n, dim, image, text }, 8)).toEqual(expected);
    expect(scoreRetrieval({ count: n, dim, image, text }, 100)).toEqual(expected);
  });

  test('with many ties, block by block equals the full matrix for block sizes that do not divide n', () => {
    // Entries in {-1, 0, 1} over 3 dimensions: dot products are small integers, exact in float32,
    // so most scores tie with the right answer's and the earlier-sample rule decides the ranks.
    const n = 53;
    const dim = 3;
    let seed = 5;
    const random = (): number => (seed = (seed * 16807) % 2147483647) % 3 - 1;
    const image = Float32Array.from({ length: n * dim }, random);
    const text = Float32Array.from({ length: n * dim }, random);
    const sim: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += image[i * dim + k]! * text[j * dim + k]!;
        sim.push(s);
      }
    }
    const expected = scoreSimilarity(sim, n);
    // Ties really decide something here: a tie-blind count would rank every answer first more often.
    expect(expected.imageToText['R@1']).toBeLessThan(0.5);
    for (const block of [1, 2, 5, 7, 10, 52, 53, 54, 256]) {
      expect(scoreRetrieval({ count: n, dim, image, text }, block)).toEqual(expected);
    }
  });
});
