/** Learns the run's WordPiece vocabulary from the training captions and saves it as vocab.txt. */
import { mkdirSync } from 'node:fs';
import type { TrainConfig } from '../../config/train.js';
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { readCaptions } from './data.js';
import { vocabPath } from './run-files.js';
import { trainWordPiece, type WordPieceTokenizer } from './tokenizer.js';

export async function learnVocabulary(paths: readonly string[], config: TrainConfig, runDir: string, ctx: StageContext): Promise<WordPieceTokenizer> {
  const started = performance.now();
  const { captions } = await readCaptions(paths, config.tokenizer.vocabSamples);
  if (captions.length === 0) {
    throw new AlignError('E_NO_DATA', `no captions in ${config.shards}`, { hint: 'the shards hold no complete image/caption sample' });
  }
  const tokenizer = trainWordPiece(captions, { vocabSize: config.tokenizer.vocabSize, minFrequency: config.tokenizer.minFrequency });
  mkdirSync(runDir, { recursive: true });
  tokenizer.save(vocabPath(runDir));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  ctx.log.info(`vocabulary: ${tokenizer.size} wordpieces from ${captions.length} captions (${seconds} s)`);
  return tokenizer;
}
