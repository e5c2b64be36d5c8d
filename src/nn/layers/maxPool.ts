import { tf } from '../tf';
import { takeSlices } from './takeSlices';

/**
 * Max pooling of [N, D, H, W, C] with a cubic or flat (depth 1) window, zero-free padding as in
 * PyTorch (padded cells never win). Max is separable: the (height, width) window runs as the 2D
 * kernel on every slice (it has a gradient on wasm), then the depth window as a maximum of
 * strided slices, which needs no rank-5 pooling kernel and differentiates everywhere.
 */
export function maxPool(
  x: tf.Tensor5D,
  kernel: [number, number, number],
  stride: [number, number, number],
  pad: [number, number, number],
): tf.Tensor5D {
  const [n, d, h, w, c] = x.shape;
  const [kd, kh, kw] = kernel;
  const [sd, sh, sw] = stride;
  const [pd, ph] = pad;
  let y = x;
  if (kh > 1 || kw > 1 || sh > 1 || sw > 1) {
    const planes = tf.maxPool(
      tf.reshape(x, [n * d, h, w, c]) as tf.Tensor4D,
      [kh, kw],
      [sh, sw],
      ph,
    );
    const [, oh, ow] = planes.shape;
    y = tf.reshape(planes, [n, d, oh, ow, c]);
  }
  if (kd === 1 && sd === 1) return y;
  const od = Math.floor((d + 2 * pd - kd) / sd) + 1;
  // Padded as a rank-3 view: pad's gradient is a slice, slow on rank 5 under wasm.
  const [, , oh, ow] = y.shape;
  const yp =
    pd > 0
      ? (tf.reshape(
          tf.pad(
            tf.reshape(y, [n, d, oh * ow * c]),
            [
              [0, 0],
              [pd, pd],
              [0, 0],
            ],
            -Infinity,
          ),
          [n, d + 2 * pd, oh, ow, c],
        ) as tf.Tensor5D)
      : y;
  let out = takeSlices(yp, 0, od, sd);
  for (let t = 1; t < kd; t++) out = tf.maximum(out, takeSlices(yp, t, od, sd));
  return out;
}
