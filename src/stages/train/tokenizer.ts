/**
 * BERT-style WordPiece: lower-casing and accent stripping, basic pre-tokenisation (white space,
 * punctuation and CJK characters split off), then greedy longest-match-first pieces with `##`
 * continuations. The vocabulary is learned from the training captions by frequency merges (as
 * Hugging Face's WordPiece trainer does) and saved as BERT's vocab.txt, one token a line, so the
 * line number is the id.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const CLS = '[CLS]';
export const SEP = '[SEP]';
export const SPECIAL_TOKENS = [PAD, UNK, CLS, SEP] as const;

/** Words longer than this become [UNK] (BERT's rule). */
const MAX_WORD_CHARS = 100;

export interface EncodeOptions {
  /** Most tokens, [CLS] and [SEP] included. @default 64 */
  maxTokens?: number;
}

export class WordPieceTokenizer {
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  readonly padId = 0;
  readonly unkId = 1;
  readonly clsId = 2;
  readonly sepId = 3;

  constructor(vocab: readonly string[]) {
    SPECIAL_TOKENS.forEach((token, i) => {
      if (vocab[i] !== token) throw new Error(`vocabulary line ${i + 1} must be ${token}, got ${vocab[i] ?? 'nothing'}`);
    });
    this.vocab = vocab;
    this.ids = new Map(vocab.map((token, i) => [token, i]));
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Word pieces of a text, without [CLS]/[SEP]: `"Unaffable!"` → `un ##aff ##able !`. */
  tokenize(text: string): string[] {
    return splitWords(text).flatMap((word) => this.splitWord(word));
  }

  /** Ids of `[CLS] pieces… [SEP]`, truncated to maxTokens (the [SEP] is kept). */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const maxTokens = options.maxTokens ?? 64;
    const pieces = this.tokenize(text).slice(0, Math.max(0, maxTokens - 2));
    return [this.clsId, ...pieces.map((p) => this.ids.get(p) ?? this.unkId), this.sepId];
  }

  decode(ids: readonly number[]): string {
    return ids
      .map((id) => this.vocab[id] ?? UNK)
      .filter((t) => t !== PAD && t !== CLS && t !== SEP)
      .reduce((text, t) => (t.startsWith('##') ? text + t.slice(2) : text ? `${text} ${t}` : t), '');
  }

  /** Greedy longest match first; a word with any unmatched part is one [UNK]. */
  private splitWord(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > MAX_WORD_CHARS) return [UNK];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (end > start) {
        const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.ids.has(piece)) {
          found = piece;
          break;
        }
        end--;
      }
      if (found === undefined) return [UNK];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  save(path: string): void {
    writeFileSync(path, this.vocab.join('\n') + '\n');
  }

  static load(path: string): WordPieceTokenizer {
    const lines = readFileSync(path, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return new WordPieceTokenizer(lines);
  }
}

/** BERT's BasicTokenizer (uncased): NFD, accents dropped, lower case, punctuation and CJK split off. */
export function splitWords(text: string): string[] {
  const cleaned = text
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/[\p{Cc}\p{Cf}]/gu, (c) => (/\s/u.test(c) ? ' ' : ''));
  const spaced = cleaned.replace(/[\p{P}\p{S}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu, ' $& ');
  return spaced.split(/\s+/u).filter((w) => w.length > 0);
}

export interface TrainVocabOptions {
  /** Largest vocabulary, special tokens included. @default 4096 */
  vocabSize?: number;
  /** A piece must occur this often (over all words) to be merged. @default 2 */
  minFrequency?: number;
}

/**
 * Learns a WordPiece vocabulary: the alphabet (word-initial characters and `##` continuations),
 * then repeated merges of the most frequent adjacent pair until vocabSize is reached or no pair
 * occurs minFrequency times. Deterministic: ties go to the pair first seen.
 */
export function trainWordPiece(captions: Iterable<string>, options: TrainVocabOptions = {}): WordPieceTokenizer {
  const vocabSize = options.vocabSize ?? 4096;
  const minFrequency = options.minFrequency ?? 2;
  const wordCounts = countWords(captions);
  const words = [...wordCounts.entries()].map(([w, count]) => ({ pieces: initialPieces(w), count }));
  const vocab: string[] = [...SPECIAL_TOKENS];
  const known = new Set<string>(vocab);
  const add = (t: string): void => {
    if (!known.has(t)) {
      known.add(t);
      vocab.push(t);
    }
  };
  for (const w of words) w.pieces.forEach(add);
  const merger = new PairMerger(words);
  while (vocab.length < vocabSize) {
    const best = merger.best(minFrequency);
    if (!best) break;
    add(merger.merge(best));
  }
  return new WordPieceTokenizer(vocab.slice(0, Math.max(vocabSize, SPECIAL_TOKENS.length)));
}

function countWords(captions: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const caption of captions) {
    for (const word of splitWords(caption)) {
      if (Array.from(word).length <= MAX_WORD_CHARS) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}

function initialPieces(word: string): string[] {
  return Array.from(word).map((c, i) => (i === 0 ? c : `##${c}`));
}

interface Word {
  pieces: string[];
  count: number;
}

/** Pair counts kept up to date across merges, with an index from pair to the words holding it. */
class PairMerger {
  private readonly counts = new Map<string, number>();
  private readonly where = new Map<string, Set<number>>();

  constructor(private readonly words: Word[]) {
    words.forEach((w, i) => this.countWord(w, i, 1));
  }

  best(minFrequency: number): string | undefined {
    let best: string | undefined;
    let bestCount = minFrequency - 1;
    for (const [pair, count] of this.counts) {
      if (count > bestCount) {
        best = pair;
        bestCount = count;
      }
    }
    return best;
  }

  /** Merges every occurrence of the pair and returns the new piece. */
  merge(pair: string): string {
    const [a, b] = pair.split(' ') as [string, string];
    const merged = a + b.slice(2);
    for (const i of [...(this.where.get(pair) ?? [])]) {
      const word = this.words[i] as Word;
      this.countWord(word, i, -1);
      const next: string[] = [];
      for (let k = 0; k < word.pieces.length; k++) {
        if (word.pieces[k] === a && word.pieces[k + 1] === b) {
          next.push(merged);
          k++;
        } else next.push(word.pieces[k] as string);
      }
      word.pieces = next;
      this.countWord(word, i, 1);
    }
    return merged;
  }

  private countWord(word: Word, index: number, sign: 1 | -1): void {
    for (let k = 0; k + 1 < word.pieces.length; k++) {
      const pair = `${word.pieces[k]} ${word.pieces[k + 1]}`;
      const count = (this.counts.get(pair) ?? 0) + sign * word.count;
      if (count <= 0) {
        this.counts.delete(pair);
        this.where.delete(pair);
        continue;
      }
      this.counts.set(pair, count);
      let set = this.where.get(pair);
      if (!set) this.where.set(pair, (set = new Set()));
      if (sign > 0) set.add(index);
    }
  }
}
