import { tf } from '../tf';
import { holdForBackward } from './taping';

/** Stride, zero padding and dilation of a 2D convolution, as (height, width) pairs. */
export interface Conv2dGeometry {
  stride: [number, number];
  pad: [number, number];
  dilation: [number, number];
}

export function conv2dOutputSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * A 2D convolution (NHWC, kernel [kh, kw, in, out]) whose gradients run on every backend.
 *
 * tfjs-wasm has no Conv2DBackpropFilter kernel, runs Conv2DBackpropInput at a tenth of conv2d's
 * speed, and tfjs has no gradient for dilated convolutions at all: both gradients are written
 * here as forward conv2d, the one kernel XNNPack makes fast.
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, g: Conv2dGeometry): tf.Tensor4D {
  const [ph, pw] = g.pad;
  const padding: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww] = args as [tf.Tensor4D, tf.Tensor4D];
    const { held, release } = holdForBackward([xx, ww]);
    const value = tf.conv2d(xx, ww, g.stride, padding, 'NHWC', g.dilation);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const dy4 = dy as tf.Tensor4D;
        const [hx, hw] = held;
        const grads = [
          conv2dInputGrad(dy4, hw, hx.shape, g),
          conv2dWeightGrad(hx, dy4, hw.shape, g),
        ];
        release();
        return grads;
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** dy with s-1 zeros after every row (column): the strided forward's footprint on the input. */
function zeroUpsample(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, ho, wo, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.reshape(spread, [n, ho * sh, wo * sw, c]) as tf.Tensor4D;
}

/**
 * The kernel rotated by 180 degrees in space. Reversing both spatial axes reverses the flattened
 * tap index, done as a product with the exchange matrix: wasm's Reverse takes 20 ms on a
 * 3x3x256x256 kernel, the matmul well under one.
 */
function flipSpace(w: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const taps = kh * kw;
  if (taps === 1) return w;
  const exchange = tf.buffer([taps, taps]);
  for (let i = 0; i < taps; i++) exchange.set(1, i, taps - 1 - i);
  const flat = tf.reshape(w, [taps, cin * cout]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(exchange.toTensor() as tf.Tensor2D, flat), [
    kh,
    kw,
    cin,
    cout,
  ]) as tf.Tensor4D;
}

/**
 * The input gradient as a stride-1 conv2d (wasm's Conv2DBackpropInput runs at a tenth of conv2d's
 * speed): dy, zero-upsampled by the stride, correlated with the kernel flipped in space and
 * transposed in channels, with the dilation of the forward and the padding that gives back the
 * input's size.
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: [number, number, number, number],
  g: Conv2dGeometry,
): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const [sh, sw] = g.stride;
  const [dh, dw] = g.dilation;
  const [ph, pw] = g.pad;
  const [, h, wd] = xShape;
  let z = zeroUpsample(dy, sh, sw);
  const top = (kh - 1) * dh - ph;
  const left = (kw - 1) * dw - pw;
  if (top < 0 || left < 0)
    throw new Error('conv2d: padding larger than the kernel reach has no gradient here');
  // Rows of z past the input's reach (the last stride's zeros) would need a negative pad: crop.
  const bottom = h - z.shape[1] - top + (kh - 1) * dh;
  const right = wd - z.shape[2] - left + (kw - 1) * dw;
  if (bottom < 0 || right < 0) {
    z = tf.slice(
      z,
      [0, 0, 0, 0],
      [-1, z.shape[1] + Math.min(bottom, 0), z.shape[2] + Math.min(right, 0), -1],
    );
  }
  const flipped = tf.transpose(flipSpace(w), [0, 1, 3, 2]) as tf.Tensor4D;
  const pad: Pad4 = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ];
  return tf.conv2d(z, flipped, 1, pad, 'NHWC', g.dilation);
}

/**
 * The weight gradient as one more conv2d, the roles swapped: the input's channels become the batch
 * and its batch the channels, dy is the kernel, the forward's dilation the stride and its stride
 * the dilation. dW[i, j, c, o] = sum over n, y, x of X[n, y*s + i*d - p, x*s + j*d - p, c] dY[n, y, x, o].
 * XNNPack runs it at conv2d speed; a matmul with a transposed operand runs at a tenth.
 */
export function conv2dWeightGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  wShape: [number, number, number, number],
  g: Conv2dGeometry,
): tf.Tensor4D {
  return tf.tidy(() =>
    weightGradFromTransposed(
      tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D,
      tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D,
      wShape,
      g,
    ),
  );
}

/**
 * conv2dWeightGrad on operands already laid out for it: the input as [C, H, W, N] and dy as
 * [Ho, Wo, N, out]. A 3D convolution's taps share one dy and one transposed input.
 */
export function weightGradFromTransposed(
  xt: tf.Tensor4D,
  dyt: tf.Tensor4D,
  wShape: [number, number, number, number],
  g: Conv2dGeometry,
): tf.Tensor4D {
  const [kh, kw, cin, cout] = wShape;
  const [ph, pw] = g.pad;
  const pad: Pad4 = [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
  let r = tf.conv2d(xt, dyt, g.dilation, pad, 'NHWC', g.stride);
  if (r.shape[1] !== kh || r.shape[2] !== kw) r = tf.slice(r, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D;
}
