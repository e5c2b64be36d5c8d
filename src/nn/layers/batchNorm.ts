import { tf } from '../tf';

export interface BatchNormParams {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  runningMean: tf.Tensor1D;
  runningVar: tf.Tensor1D;
}

export const BN_EPS = 1e-5;

/**
 * Batch norm over the channels of a tensor of any rank (tf.batchNorm stops at rank 4).
 * 'frozen' uses the running statistics, the mode for fine-tuning with batches of one or two;
 * 'batch' normalises by the batch's own statistics and returns them for the running update.
 */
export function batchNorm(
  x: tf.Tensor,
  p: BatchNormParams,
  mode: 'frozen' | 'batch',
): { y: tf.Tensor; mean?: tf.Tensor1D; variance?: tf.Tensor1D } {
  if (mode === 'frozen') {
    const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(p.runningVar, BN_EPS)));
    const shift = tf.sub(p.beta, tf.mul(p.runningMean, scale));
    return { y: tf.add(tf.mul(x, scale), shift) };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.add(
    tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPS))), p.gamma),
    p.beta,
  );
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
