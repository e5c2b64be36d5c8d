import { tf } from '../tf';
import { holdForBackward } from './taping';

/** Sums the rows of [M, C]: a matmul with ones, since wasm's Sum over axis 0 transposes first. */
function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]);
}

/**
 * y = x * scale + shift per channel on a [voxels, channels] view: batch norm with fixed
 * statistics. Its own gradient, because tfjs reduces the broadcast gradient with a Sum that wasm
 * runs at a twentieth of the matmul that does the same.
 */
export function affineChannels(
  x: tf.Tensor2D,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D,
): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ss, bb] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const { held, release } = holdForBackward([xx, ss]);
    return {
      value: tf.add(tf.mul(xx, ss), bb),
      gradFunc: (dy: tf.Tensor) => {
        const [hx, hs] = held;
        const d = dy as tf.Tensor2D;
        const grads = [tf.mul(d, hs), tf.tidy(() => sumRows(tf.mul(d, hx))), sumRows(d)];
        release();
        return grads;
      },
    };
  });
  return op(x, scale, shift) as tf.Tensor2D;
}
