import { z } from 'zod';

/** Model presets: EfficientNet-style image tower and BERT-style text tower sizes (see src/stages/train/presets.ts). */
export const MODEL_PRESETS = ['tiny', 'small', 'base', 'b0', 'b1', 'b3', 'b7'] as const;

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

const TokenizerSchema = z.strictObject({
  /** Largest WordPiece vocabulary learned from the training captions (ALIGN: 100k). @default 4096 */
  vocabSize: z.int().min(16).max(200_000).default(4096),
  /** Most wordpiece tokens per caption, [CLS] and [SEP] included (ALIGN: 64). @default 64 */
  maxTokens: z.int().min(3).max(512).default(64),
  /** Captions read to learn the vocabulary. @default 100000 */
  vocabSamples: z.int().positive().default(100_000),
  /** A word or piece must occur this often to enter the vocabulary. @default 2 */
  minFrequency: z.int().positive().default(2),
});

const ModelSchema = z.strictObject({
  /** Tower sizes: `tiny` trains on a laptop CPU in minutes; `b0`…`b7` are EfficientNet's. @default 'tiny' */
  preset: z.enum(MODEL_PRESETS).default('tiny'),
  /** Image tower width multiplier (null: the preset's). @default null */
  widthMultiplier: z.number().positive().nullable().default(null),
  /** Image tower depth multiplier (null: the preset's). @default null */
  depthMultiplier: z.number().positive().nullable().default(null),
  /** Training and eval image size in px (null: the preset's). @default null */
  resolution: z.int().min(16).max(1024).nullable().default(null),
  /** Text tower hidden size (null: the preset's). @default null */
  textHidden: z.int().positive().nullable().default(null),
  /** Text tower transformer layers (null: the preset's). @default null */
  textLayers: z.int().positive().nullable().default(null),
  /** Text tower attention heads; must divide textHidden (null: the preset's). @default null */
  textHeads: z.int().positive().nullable().default(null),
});

const LossSchema = z.strictObject({
  /** Softmax temperature at step 0 (ALIGN: 1.0; it learns its way down to about 1/64). @default 1 */
  temperatureInit: z.number().positive().default(1),
  /** Learn the temperature (false: keep temperatureInit). @default true */
  learnTemperature: z.boolean().default(true),
  /** The temperature never goes below this. @default 0.01 */
  temperatureMin: z.number().positive().default(0.01),
  /** Label smoothing of the in-batch softmax targets (ALIGN: 0.1). @default 0.1 */
  labelSmoothing: z.number().min(0).max(0.99).default(0.1),
});

const OptimizerSchema = z.strictObject({
  /** `adamw` decays weights apart from the gradient; `adam` adds the decay to the gradient (L2). @default 'adamw' */
  name: z.enum(['adamw', 'adam']).default('adamw'),
  /** Peak learning rate. @default 0.002 */
  learningRate: z.number().positive().default(0.002),
  /** Linear warm-up from 0 over this many steps. @default 50 */
  warmupSteps: z.int().nonnegative().default(50),
  /** Decay after warm-up, over the run's budget (--steps or --minutes, whichever ends first). @default 'cosine' */
  schedule: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
  /** The learning rate decays to this fraction of the peak. @default 0.05 */
  finalLearningRateFraction: z.number().min(0).max(1).default(0.05),
  /** Weight decay (not applied to biases, norms or the temperature). @default 0.0001 */
  weightDecay: z.number().nonnegative().default(1e-4),
  /** Adam β1. @default 0.9 */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** Adam β2. @default 0.999 */
  beta2: z.number().min(0).lt(1).default(0.999),
  /** Adam ε. @default 1e-7 */
  epsilon: z.number().positive().default(1e-7),
  /** Gradients are scaled down when their global L2 norm exceeds this (0: no clipping). @default 1 */
  clipNorm: z.number().nonnegative().default(1),
  /**
   * The temperature's learning rate is the peak times this. A single scalar in log space, it can
   * take large steps safely, and settling it early is what makes a short run learn fast. @default 100
   */
  temperatureLrScale: z.number().nonnegative().default(100),
});

/** `train` section: data, model, loss, optimiser and the run. Flags override these. Every field has a default. */
export const TrainConfigSchema = z.strictObject({
  /** Training shards: a brace pattern (`shards/train-{000000..000009}.tar`), a .tar or a folder (null: DATA_DIR/shards). @default null */
  shards: z.string().min(1).nullable().default(null),
  /** Held-out shards evaluated every evalEverySteps (null: none). @default null */
  val: z.string().min(1).nullable().default(null),
  /** The run directory: run.json, metrics.jsonl, vocab.txt, checkpoints (null: DATA_DIR/runs/default). @default null */
  out: z.string().min(1).nullable().default(null),
  /** Stop after this many steps in all (a resumed run counts the steps it already made). @default 1000 */
  steps: z.int().positive().default(1000),
  /** Stop after this many minutes of training in all (null: no limit); whichever of steps and minutes ends first. @default null */
  minutes: z.number().positive().nullable().default(null),
  /** Samples per step; the in-batch negatives are the other batchSize - 1. @default 64 */
  batchSize: z.int().min(2).default(64),
  /** TensorFlow.js backend: auto tries tensorflow-gpu, tensorflow, wasm, cpu in turn. @default 'auto' */
  backend: z.enum(BACKENDS).default('auto'),
  /** Seed of weight initialisation, shuffling, crops and flips. @default 0 */
  seed: z.int().nonnegative().default(0),
  /** Continue from the run directory's latest checkpoint. @default false */
  resume: z.boolean().default(false),
  /** Samples held in the shuffle buffer. @default 2000 */
  shuffleBuffer: z.int().positive().default(2000),
  /** Random crops keep at least this fraction of the shorter side. @default 0.8 */
  cropMinScale: z.number().gt(0).max(1).default(0.8),
  /** Flip training images left-right at random. @default true */
  flip: z.boolean().default(true),
  /** Write a checkpoint every N steps (and always at the end). @default 500 */
  checkpointEverySteps: z.int().positive().default(500),
  /** Checkpoints kept in the run directory (older ones are removed). @default 2 */
  keepCheckpoints: z.int().positive().default(2),
  /** Evaluate on `val` every N steps (and at the end). @default 500 */
  evalEverySteps: z.int().positive().default(500),
  /** At most this many val samples are evaluated. @default 1000 */
  evalSamples: z.int().positive().default(1000),
  tokenizer: TokenizerSchema.prefault({}),
  model: ModelSchema.prefault({}),
  loss: LossSchema.prefault({}),
  optimizer: OptimizerSchema.prefault({}),
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TokenizerConfig = z.infer<typeof TokenizerSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;
export type LossConfig = z.infer<typeof LossSchema>;
export type OptimizerConfig = z.infer<typeof OptimizerSchema>;
export type BackendName = (typeof BACKENDS)[number];
