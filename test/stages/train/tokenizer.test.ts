import { join } from 'node:path';
import { WordPieceTokenizer, splitWords, trainWordPiece } from '../../../src/stages/train/tokenizer.js';
import { makeTempDir } from '../../helpers/paths.js';

/** BERT's own example vocabulary, in the order vocab.txt would list it. */
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able', 'runn', '##ing', 'run', '!', ',', 'the', 'cafe', 'a'];

describe('WordPiece tokenizer', () => {
  const tok = new WordPieceTokenizer(VOCAB);

  test('basic pre-tokenisation lower-cases, strips accents and splits punctuation off', () => {
    expect(splitWords('Unaffable!  The CAFÉ,running')).toEqual(['unaffable', '!', 'the', 'cafe', ',', 'running']);
    expect(splitWords("don't")).toEqual(['don', "'", 't']);
    expect(splitWords('東京 tower')).toEqual(['東', '京', 'tower']);
  });

  test('greedy longest match first with ## continuations', () => {
    expect(tok.tokenize('unaffable')).toEqual(['un', '##aff', '##able']);
    expect(tok.tokenize('Running, the café!')).toEqual(['runn', '##ing', ',', 'the', 'cafe', '!']);
  });

  test('a word with any unmatched part is one [UNK]', () => {
    expect(tok.tokenize('unaffablex a')).toEqual(['[UNK]', 'a']);
    expect(tok.encode('zebra run')).toEqual([2, 1, 9, 3]);
  });

  test('encode adds [CLS] and [SEP] and truncates to maxTokens, keeping [SEP]', () => {
    const ids = tok.encode('a a a a a a a a a a', { maxTokens: 5 });
    expect(ids).toEqual([2, 14, 14, 14, 3]);
    expect(tok.encode('', { maxTokens: 5 })).toEqual([2, 3]);
    expect(tok.decode(tok.encode('Unaffable running!'))).toBe('unaffable running !');
  });

  test('save and load keep every id (BERT vocab.txt: one token a line)', () => {
    const tmp = makeTempDir();
    try {
      const path = join(tmp.dir, 'vocab.txt');
      tok.save(path);
      const loaded = WordPieceTokenizer.load(path);
      expect(loaded.vocab).toEqual(VOCAB);
      expect(loaded.encode('unaffable run')).toEqual(tok.encode('unaffable run'));
    } finally {
      tmp.cleanup();
    }
  });

  test('a vocabulary must start with the special tokens', () => {
    expect(() => new WordPieceTokenizer(['a', 'b', 'c', 'd'])).toThrow(/\[PAD\]/);
  });
});

describe('learning a vocabulary', () => {
  const captions = [
    'two red circles and a blue square',
    'a red circle on a white background',
    'three blue squares on a red background',
    'a green triangle and two red circles',
    'running dogs',
    'a running dog',
  ];

  test('frequent words become whole tokens; rare ones split into pieces', () => {
    const tok = trainWordPiece(captions, { vocabSize: 80, minFrequency: 2 });
    expect(tok.vocab.slice(0, 4)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]']);
    expect(tok.tokenize('red circles')).toEqual(['red', 'circles']);
    // "dogs" occurs once: it is built from pieces, not learned whole.
    expect(tok.vocab).not.toContain('dogs');
    expect(tok.tokenize('dogs').length).toBeGreaterThan(1);
    expect(tok.tokenize('dogs').slice(1).every((p) => p.startsWith('##'))).toBe(true);
    // Characters never seen are [UNK].
    expect(tok.tokenize('zzz')).toEqual(['[UNK]']);
  });

  test('the vocabulary never exceeds vocabSize and is deterministic', () => {
    const a = trainWordPiece(captions, { vocabSize: 40 });
    const b = trainWordPiece(captions, { vocabSize: 40 });
    expect(a.size).toBeLessThanOrEqual(40);
    expect(a.vocab).toEqual(b.vocab);
    expect(trainWordPiece(captions, { vocabSize: 1000 }).size).toBeLessThan(1000);
  });
});
