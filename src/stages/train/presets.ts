/**
 * Tower sizes. The image tower is EfficientNet-B0's block table scaled by width, depth and
 * resolution multipliers (Tan & Le, 2019), as ALIGN scaled it up to B7; the text tower is BERT
 * at a preset size. The embedding width is the image tower's head width; the text side is
 * projected to it.
 */
import { configError } from '../../errors.js';
import { PRESET_SIZES, type ModelConfig } from '../../config/train.js';

export interface BlockSpec {
  expand: number;
  kernel: number;
  stride: number;
  input: number;
  output: number;
}

export interface ImageTowerSpec {
  resolution: number;
  stem: number;
  blocks: BlockSpec[];
  head: number;
  /** Squeeze-and-excitation width as a fraction of the block's input channels. */
  seRatio: number;
}

export interface TextTowerSpec {
  vocabSize: number;
  maxTokens: number;
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
}

export interface ModelSpec {
  preset: string;
  image: ImageTowerSpec;
  text: TextTowerSpec;
  /** Width of both embeddings. */
  embedDim: number;
}

/** EfficientNet-B0: expansion, kernel, stride, output channels, repeats. */
const B0_STAGES: [number, number, number, number, number][] = [
  [1, 3, 1, 16, 1],
  [6, 3, 2, 24, 2],
  [6, 5, 2, 40, 2],
  [6, 3, 2, 80, 3],
  [6, 5, 1, 112, 3],
  [6, 5, 2, 192, 4],
  [6, 3, 1, 320, 1],
];

/** The full model spec: the preset, with any multipliers or sizes the config sets laid over it. */
export function resolveModelSpec(config: ModelConfig, vocabSize: number, maxTokens: number): ModelSpec {
  const preset = PRESET_SIZES[config.preset];
  const image = scaleImageTower(config.widthMultiplier ?? preset.width, config.depthMultiplier ?? preset.depth, config.resolution ?? preset.resolution);
  const hidden = config.textHidden ?? preset.text.hidden;
  const heads = config.textHeads ?? preset.text.heads;
  // The config schema refuses this before any work; a caller that built a ModelConfig by hand gets the same words.
  if (hidden % heads !== 0) throw configError(`\`train.model.textHeads\` (${heads}) must divide \`train.model.textHidden\` (${hidden})`);
  const text: TextTowerSpec = { vocabSize, maxTokens, hidden, heads, layers: config.textLayers ?? preset.text.layers, ffn: 4 * hidden };
  return { preset: config.preset, image, text, embedDim: image.head };
}

export function scaleImageTower(width: number, depth: number, resolution: number): ImageTowerSpec {
  const stem = roundFilters(32, width);
  const blocks: BlockSpec[] = [];
  let input = stem;
  for (const [expand, kernel, stride, out, repeats] of B0_STAGES) {
    const output = roundFilters(out, width);
    for (let r = 0; r < Math.ceil(repeats * depth); r++) {
      blocks.push({ expand, kernel, stride: r === 0 ? stride : 1, input, output });
      input = output;
    }
  }
  return { resolution, stem, blocks, head: roundFilters(1280, width), seRatio: 0.25 };
}

/** EfficientNet's channel rounding: to a multiple of 8, never below 90% of the scaled width. */
function roundFilters(filters: number, width: number, divisor = 8): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor((scaled + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;
  return rounded;
}
