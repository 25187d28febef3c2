/**
 * Tower sizes. The image tower is EfficientNet-B0's block table scaled by width, depth and
 * resolution multipliers (Tan & Le, 2019), as ALIGN scaled it up to B7; the text tower is BERT
 * at a preset size. The embedding width is the image tower's head width; the text side is
 * projected to it.
 */
import type { ModelConfig } from '../../config/train.js';

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

interface Preset {
  width: number;
  depth: number;
  resolution: number;
  text: { hidden: number; layers: number; heads: number };
}

const PRESETS: Record<ModelConfig['preset'], Preset> = {
  tiny: { width: 0.25, depth: 0.25, resolution: 64, text: { hidden: 128, layers: 2, heads: 2 } },
  small: { width: 0.5, depth: 0.5, resolution: 64, text: { hidden: 256, layers: 2, heads: 4 } },
  base: { width: 1, depth: 1, resolution: 128, text: { hidden: 256, layers: 4, heads: 4 } },
  b0: { width: 1, depth: 1, resolution: 224, text: { hidden: 512, layers: 8, heads: 8 } },
  b1: { width: 1, depth: 1.1, resolution: 240, text: { hidden: 768, layers: 12, heads: 12 } },
  b3: { width: 1.2, depth: 1.4, resolution: 300, text: { hidden: 768, layers: 12, heads: 12 } },
  // ALIGN's own pair: EfficientNet-B7 (trained at 289 px) and BERT-Large.
  b7: { width: 2, depth: 3.1, resolution: 289, text: { hidden: 1024, layers: 24, heads: 16 } },
};

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
  const preset = PRESETS[config.preset];
  const image = scaleImageTower(config.widthMultiplier ?? preset.width, config.depthMultiplier ?? preset.depth, config.resolution ?? preset.resolution);
  const hidden = config.textHidden ?? preset.text.hidden;
  const heads = config.textHeads ?? preset.text.heads;
  if (hidden % heads !== 0) throw new Error(`textHeads (${heads}) must divide textHidden (${hidden})`);
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
