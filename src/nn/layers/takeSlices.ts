import { tf } from '../tf';

/**
 * Slices start, start + stride, ... (count of them) along the depth axis of [N, D, H, W, C].
 * tfjs has no gradient for stridedSlice, and wasm slices rank-5 tensors on a slow path: a rank-3
 * view [N, D, H*W*C], a slice, and a reshape that puts the stride in its own axis do it fast.
 */
export function takeSlices(
  x: tf.Tensor5D,
  start: number,
  count: number,
  stride: number,
): tf.Tensor5D {
  const [n, d, h, w, c] = x.shape;
  if (start === 0 && count === d && stride === 1) return x;
  const plane = h * w * c;
  let flat: tf.Tensor = tf.reshape(x, [n, d, plane]);
  if (stride === 1) {
    flat = tf.slice(flat, [0, start, 0], [n, count, plane]);
  } else {
    const span = count * stride;
    const short = start + span - d;
    if (short > 0)
      flat = tf.pad(flat, [
        [0, 0],
        [0, short],
        [0, 0],
      ]);
    const window = tf.slice(flat, [0, start, 0], [n, span, plane]);
    flat = tf.slice(
      tf.reshape(window, [n * count, stride, plane]),
      [0, 0, 0],
      [n * count, 1, plane],
    );
  }
  return tf.reshape(flat, [n, count, h, w, c]);
}
