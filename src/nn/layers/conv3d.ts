import { tf } from '../tf';
import { conv2d, conv2dOutputSize } from './conv2d';
import { takeSlices } from './takeSlices';

/** Stride, zero padding and dilation of a 3D convolution, as (depth, height, width) triples. */
export interface Conv3dGeometry {
  stride: [number, number, number];
  pad: [number, number, number];
  dilation: [number, number, number];
}

/**
 * Whether tf.conv3d is the fast path: only the TensorFlow C++ backend (tfjs-node, -node-gpu) has a
 * real conv3d; wasm and cpu run it as naive loops, 30-40x slower than conv2d on the same data.
 */
function nativeConv3d(g: Conv3dGeometry): boolean {
  return tf.getBackend() === 'tensorflow' && g.dilation.every((d) => d === 1);
}

/**
 * A 3D convolution of [N, D, H, W, C] with a kernel [kd, kh, kw, in, out], run as kd conv2d over
 * depth-shifted stacks of slices, summed: output slice o sees input slices o*sd - pd + t*dd for
 * t < kd, so tap t is one conv2d on the (strided) slices starting at t*dd of the depth-padded
 * input, with the slices folded into the batch. Gradients come from conv2d's (all backends).
 */
export function conv3d(x: tf.Tensor5D, w: tf.Tensor5D, g: Conv3dGeometry): tf.Tensor5D {
  const [n, d, h, wd, c] = x.shape;
  const [kd, kh, kw, , cout] = w.shape;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const [dd, dh, dw] = g.dilation;
  if (nativeConv3d(g) && kd > 1) {
    const xp = tf.pad(x, [
      [0, 0],
      [pd, pd],
      [ph, ph],
      [pw, pw],
      [0, 0],
    ]);
    return tf.conv3d(xp, w, g.stride, 'valid');
  }
  const od = conv2dOutputSize(d, kd, sd, pd, dd);
  const oh = conv2dOutputSize(h, kh, sh, ph, dh);
  const ow = conv2dOutputSize(wd, kw, sw, pw, dw);
  if (od < 1 || oh < 1 || ow < 1) {
    throw new Error(
      `conv3d: input ${d}x${h}x${wd} is too small for kernel ${kd}x${kh}x${kw}, stride ${g.stride.join('x')}`,
    );
  }
  const g2 = {
    stride: [sh, sw] as [number, number],
    pad: [ph, pw] as [number, number],
    dilation: [dh, dw] as [number, number],
  };
  const xp =
    pd > 0
      ? tf.pad(x, [
          [0, 0],
          [pd, pd],
          [0, 0],
          [0, 0],
          [0, 0],
        ])
      : x;
  const taps: tf.Tensor4D[] = [];
  for (let t = 0; t < kd; t++) {
    const slices = takeSlices(xp, t * dd, od, sd);
    const tap =
      kd === 1
        ? tf.reshape(w, [kh, kw, c, cout])
        : tf.reshape(tf.slice(tf.reshape(w, [kd, -1]), [t, 0], [1, -1]), [kh, kw, c, cout]);
    taps.push(conv2d(tf.reshape(slices, [n * od, h, wd, c]), tap as tf.Tensor4D, g2));
  }
  return tf.reshape(taps.length === 1 ? taps[0] : tf.addN(taps), [n, od, oh, ow, cout]);
}
