/**
 * BERT-style text encoder: token and position embeddings, transformer layers (multi-head
 * self-attention and a GELU feed-forward, each with layer norm and a residual), and the final
 * [CLS] vector. Layer norm comes before each sub-layer (pre-LN) rather than after as in the
 * original BERT: it trains from step 1 without a long warm-up, which a short run needs.
 *
 * Only [CLS] is read out, so the last layer computes attention and the feed-forward for that
 * one position (same result, a fraction of the work).
 */
import { tf } from './backend.js';
import { addDense, addLayerNorm, dense, gelu, layerNorm } from './layers.js';
import type { Params } from './params.js';
import type { TextTowerSpec } from './presets.js';

const EMBEDDING_STD = 0.02;

export function addTextTower(params: Params, spec: TextTowerSpec): void {
  const h = spec.hidden;
  params.add('text/token_embedding', [spec.vocabSize, h], { kind: 'normal', std: EMBEDDING_STD });
  params.add('text/position_embedding', [spec.maxTokens, h], { kind: 'normal', std: EMBEDDING_STD });
  for (let l = 0; l < spec.layers; l++) {
    const name = `text/layer${l}`;
    addLayerNorm(params, `${name}/attention_norm`, h);
    for (const part of ['query', 'key', 'value']) addDense(params, `${name}/${part}`, h, h, Math.sqrt(1 / h));
    addDense(params, `${name}/attention_output`, h, h, Math.sqrt(1 / h / spec.layers));
    addLayerNorm(params, `${name}/ffn_norm`, h);
    addDense(params, `${name}/ffn_in`, h, spec.ffn, Math.sqrt(1 / h));
    addDense(params, `${name}/ffn_out`, spec.ffn, h, Math.sqrt(1 / spec.ffn / spec.layers));
  }
  addLayerNorm(params, 'text/final_norm', h);
}

/** [batch, length] token ids ([PAD] = padId) → [batch, hidden] [CLS] vectors. */
export function runTextTower(params: Params, spec: TextTowerSpec, tokens: tf.Tensor2D, padId: number): tf.Tensor2D {
  const [batch, length] = tokens.shape;
  const embedded = tf.add(
    tf.gather(params.get('text/token_embedding'), tokens),
    tf.slice(params.get('text/position_embedding'), [0, 0], [length, spec.hidden]),
  ) as tf.Tensor3D;
  // Padding is masked by a large negative score, built once per batch (no gradient flows to it).
  const maskBias = tf.reshape(tf.mul(tf.cast(tf.equal(tokens, padId), 'float32'), -1e9), [batch, 1, 1, length]);
  let x = embedded;
  for (let l = 0; l < spec.layers; l++) {
    x = runLayer(params, spec, `text/layer${l}`, x, maskBias, l === spec.layers - 1);
  }
  const cls = tf.reshape(x, [batch, spec.hidden]);
  return layerNorm(cls, params, 'text/final_norm') as tf.Tensor2D;
}

/** One pre-LN transformer layer; with clsOnly it returns [batch, 1, hidden] for position 0 alone. */
function runLayer(params: Params, spec: TextTowerSpec, name: string, x: tf.Tensor3D, maskBias: tf.Tensor, clsOnly: boolean): tf.Tensor3D {
  const normed = layerNorm(x, params, `${name}/attention_norm`) as tf.Tensor3D;
  const queries = clsOnly ? tf.slice(normed, [0, 0, 0], [-1, 1, -1]) : normed;
  const residual = clsOnly ? tf.slice(x, [0, 0, 0], [-1, 1, -1]) : x;
  const attended = tf.add(residual, attention(params, spec, name, queries, normed, maskBias)) as tf.Tensor3D;
  const ffn = dense(gelu(dense(layerNorm(attended, params, `${name}/ffn_norm`), params, `${name}/ffn_in`)), params, `${name}/ffn_out`);
  return tf.add(attended, ffn) as tf.Tensor3D;
}

function attention(params: Params, spec: TextTowerSpec, name: string, queries: tf.Tensor3D, keys: tf.Tensor3D, maskBias: tf.Tensor): tf.Tensor3D {
  const [batch, queryLength] = queries.shape;
  const headDim = spec.hidden / spec.heads;
  const q = splitHeads(tf.mul(dense(queries, params, `${name}/query`), 1 / Math.sqrt(headDim)), spec.heads);
  const k = splitHeads(dense(keys, params, `${name}/key`), spec.heads);
  const v = splitHeads(dense(keys, params, `${name}/value`), spec.heads);
  const weights = tf.softmax(tf.add(tf.matMul(q, k, false, true), maskBias));
  const context = tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]);
  return dense(tf.reshape(context, [batch, queryLength, spec.hidden]), params, `${name}/attention_output`) as tf.Tensor3D;
}

/** [batch, length, hidden] → [batch, heads, length, hidden / heads]. */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [batch, length, hidden] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [batch, length, heads, hidden / heads]), [0, 2, 1, 3]);
}
