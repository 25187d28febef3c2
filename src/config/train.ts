import { z } from 'zod';

/** Model presets: EfficientNet-style image tower and BERT-style text tower sizes (see src/stages/train/presets.ts). */
export const MODEL_PRESETS = ['tiny', 'small', 'base', 'b0', 'b1', 'b3', 'b7'] as const;

export interface PresetSizes {
  /** EfficientNet width and depth multipliers and the image size in px. */
  width: number;
  depth: number;
  resolution: number;
  text: { hidden: number; layers: number; heads: number };
}

/**
 * The sizes of each preset. They live with the schema because the constraints between options
 * (heads dividing the hidden size) must be checked against the preset's value of an option the
 * config leaves unset, before any work.
 */
export const PRESET_SIZES: Record<(typeof MODEL_PRESETS)[number], PresetSizes> = {
  tiny: { width: 0.25, depth: 0.25, resolution: 64, text: { hidden: 128, layers: 2, heads: 2 } },
  small: { width: 0.5, depth: 0.5, resolution: 64, text: { hidden: 256, layers: 2, heads: 4 } },
  base: { width: 1, depth: 1, resolution: 128, text: { hidden: 256, layers: 4, heads: 4 } },
  b0: { width: 1, depth: 1, resolution: 224, text: { hidden: 512, layers: 8, heads: 8 } },
  b1: { width: 1, depth: 1.1, resolution: 240, text: { hidden: 768, layers: 12, heads: 12 } },
  b3: { width: 1.2, depth: 1.4, resolution: 300, text: { hidden: 768, layers: 12, heads: 12 } },
  // ALIGN's own pair: EfficientNet-B7 (trained at 289 px) and BERT-Large.
  b7: { width: 2, depth: 3.1, resolution: 289, text: { hidden: 1024, layers: 24, heads: 16 } },
};

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

const ModelFields = z.strictObject({
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

const ModelSchema = ModelFields.superRefine(checkHeads);

/**
 * Multi-head attention splits the hidden size evenly: the heads must divide it. The field named
 * is the one the config set (textHeads when both are set or neither, else textHidden).
 */
function checkHeads(model: z.output<typeof ModelFields>, ctx: z.RefinementCtx): void {
  const preset = PRESET_SIZES[model.preset].text;
  const hidden = model.textHidden ?? preset.hidden;
  const heads = model.textHeads ?? preset.heads;
  if (hidden % heads === 0) return;
  const blameHidden = model.textHidden !== null && model.textHeads === null;
  ctx.addIssue({
    code: 'custom',
    path: [blameHidden ? 'textHidden' : 'textHeads'],
    message: blameHidden
      ? `expected a multiple of the ${model.preset} preset's textHeads (${heads})`
      : `expected a divisor of textHidden (${hidden}${model.textHidden === null ? `, the ${model.preset} preset's` : ''})`,
  });
}

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
