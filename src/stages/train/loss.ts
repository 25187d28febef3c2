/**
 * ALIGN's loss: the normalized softmax over in-batch negatives, in both directions, with a
 * temperature and label smoothing.
 *
 *   logits = img · txtᵀ / τ                      (rows: images, columns: captions)
 *   targets = (1 − ε)·I + ε / B
 *   L = L(image→text) + L(text→image),  each the mean over the batch of −Σ targets · log softmax
 *
 * Because every row and column of the targets sums to 1, the cross-entropy of row i is
 * logsumexp(row i) − Σ_j t_ij·l_ij, and the same for columns; so both directions cost one
 * logsumexp each and no transpose.
 */
import { tf } from './backend.js';

/** The symmetric smoothed softmax loss, a scalar. Embeddings are L2-normalised rows. */
export function contrastiveLoss(imageEmbeddings: tf.Tensor2D, textEmbeddings: tf.Tensor2D, temperature: tf.Scalar, labelSmoothing: number): tf.Scalar {
  const batch = imageEmbeddings.shape[0];
  const logits = tf.div(tf.matMul(imageEmbeddings, textEmbeddings, false, true), temperature);
  const targets = smoothedTargets(batch, labelSmoothing);
  const matched = tf.sum(tf.mul(targets, logits));
  const rows = tf.sum(tf.logSumExp(logits, 1));
  const columns = tf.sum(tf.logSumExp(logits, 0));
  return tf.div(tf.sub(tf.add(rows, columns), tf.mul(matched, 2)), batch) as tf.Scalar;
}

function smoothedTargets(batch: number, labelSmoothing: number): tf.Tensor2D {
  const off = labelSmoothing / batch;
  return tf.add(tf.mul(tf.eye(batch), 1 - labelSmoothing), off) as tf.Tensor2D;
}
