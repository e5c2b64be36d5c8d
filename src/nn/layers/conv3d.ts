import { tf } from '../tf';
import {
  conv2dInputGrad,
  conv2dOutputSize,
  weightGradFromTransposed,
  type Conv2dGeometry,
} from './conv2d';
import { derivedKernels } from './derivedKernels';
import { takeSlices } from './takeSlices';
import { holdForBackward } from './taping';

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

interface Plan {
  od: number;
  oh: number;
  ow: number;
  g2: Conv2dGeometry;
}

function plan(x: tf.Tensor5D, w: tf.Tensor5D, g: Conv3dGeometry): Plan {
  const [, d, h, wd] = x.shape;
  const [kd, kh, kw] = w.shape;
  const od = conv2dOutputSize(d, kd, g.stride[0], g.pad[0], g.dilation[0]);
  const oh = conv2dOutputSize(h, kh, g.stride[1], g.pad[1], g.dilation[1]);
  const ow = conv2dOutputSize(wd, kw, g.stride[2], g.pad[2], g.dilation[2]);
  if (od < 1 || oh < 1 || ow < 1) {
    throw new Error(
      `conv3d: input ${d}x${h}x${wd} is too small for kernel ${kd}x${kh}x${kw}, stride ${g.stride.join('x')}`,
    );
  }
  const g2: Conv2dGeometry = {
    stride: [g.stride[1], g.stride[2]],
    pad: [g.pad[1], g.pad[2]],
    dilation: [g.dilation[1], g.dilation[2]],
  };
  return { od, oh, ow, g2 };
}

function padDepth(x: tf.Tensor5D, pd: number): tf.Tensor5D {
  if (pd === 0) return x;
  return tf.pad(x, [
    [0, 0],
    [pd, pd],
    [0, 0],
    [0, 0],
    [0, 0],
  ]);
}

/** Tap t of the input: the slices that meet kernel depth t, folded into the batch. */
function tapInput(xp: tf.Tensor5D, t: number, p: Plan, g: Conv3dGeometry): tf.Tensor4D {
  const [n, , h, wd, c] = xp.shape;
  const slices = takeSlices(xp, t * g.dilation[0], p.od, g.stride[0]);
  return tf.reshape(slices, [n * p.od, h, wd, c]);
}

function tapKernel(w: tf.Tensor5D, t: number): tf.Tensor4D {
  const [kd, kh, kw, c, cout] = w.shape;
  const flat = kd === 1 ? w : tf.slice(tf.reshape(w, [kd, kh * kw * c * cout]), [t, 0], [1, -1]);
  return tf.reshape(flat, [kh, kw, c, cout]);
}

/** The forward pass with plain ops, nothing recorded for gradients. */
export function conv3dForward(x: tf.Tensor5D, w: tf.Tensor5D, g: Conv3dGeometry): tf.Tensor5D {
  const p = plan(x, w, g);
  const [n] = x.shape;
  const [kd, , , , cout] = w.shape;
  const xp = padDepth(x, g.pad[0]);
  const kernels = derivedKernels(w, () => Array.from({ length: kd }, (_, t) => tapKernel(w, t)));
  const taps: tf.Tensor4D[] = [];
  for (let t = 0; t < kd; t++) {
    taps.push(
      tf.conv2d(tapInput(xp, t, p, g), kernels[t], p.g2.stride, pad4(p.g2), 'NHWC', p.g2.dilation),
    );
  }
  return tf.reshape(taps.length === 1 ? taps[0] : tf.addN(taps), [n, p.od, p.oh, p.ow, cout]);
}

function pad4(
  g: Conv2dGeometry,
): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [g.pad[0], g.pad[0]],
    [g.pad[1], g.pad[1]],
    [0, 0],
  ];
}

/**
 * Both gradients of conv3dForward: per tap, the conv2d input gradient lands on the slices the tap
 * read (spread by the depth stride, shifted by the tap's offset) and the conv2d weight gradient is
 * that tap's kernel slice.
 */
export function conv3dBackward(
  x: tf.Tensor5D,
  w: tf.Tensor5D,
  dy: tf.Tensor5D,
  g: Conv3dGeometry,
  inputGrad = true,
): [tf.Tensor5D, tf.Tensor5D] {
  const p = plan(x, w, g);
  const [n, d, h, wd, c] = x.shape;
  const [kd, kh, kw, , cout] = w.shape;
  const [sd] = g.stride;
  const [pd] = g.pad;
  const depth = d + 2 * pd;
  const plane = h * wd * c;
  const dy4 = tf.reshape(dy, [n * p.od, p.oh, p.ow, cout]) as tf.Tensor4D;
  const xp = padDepth(x, pd);
  // Laid out once for every tap's weight gradient: dy as [Ho, Wo, N*od, out], and for depth
  // stride 1 the input as [C*H*W, N, depth] (a rank-3 transpose; wasm's rank-5 one is 15x
  // slower) so that a tap's slices are a range of its last axis. Strided taps are cut on the
  // depth axis first (a strided cut of the innermost axis is slow) and transposed each.
  const dyt = tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D;
  const rows = c * h * wd;
  const xcols =
    sd === 1
      ? (tf.reshape(tf.transpose(tf.reshape(xp, [n * depth, h * wd, c]), [2, 1, 0]), [
          rows,
          n,
          depth,
        ]) as tf.Tensor3D)
      : undefined;
  const dxs: tf.Tensor[] = [];
  const dws: tf.Tensor4D[] = [];
  for (let t = 0; t < kd; t++) {
    const xt = xcols
      ? (tf.reshape(tf.slice(xcols, [0, 0, t * g.dilation[0]], [rows, n, p.od]), [
          c,
          h,
          wd,
          n * p.od,
        ]) as tf.Tensor4D)
      : (tf.transpose(tapInput(xp, t, p, g), [3, 1, 2, 0]) as tf.Tensor4D);
    dws.push(weightGradFromTransposed(xt, dyt, [kh, kw, c, cout], p.g2));
    if (!inputGrad) continue;
    let dx: tf.Tensor = tf.reshape(
      conv2dInputGrad(dy4, tapKernel(w, t), [n * p.od, h, wd, c], p.g2),
      [n, p.od, 1, plane],
    );
    if (sd > 1)
      dx = tf.pad(dx, [
        [0, 0],
        [0, 0],
        [0, sd - 1],
        [0, 0],
      ]);
    dx = tf.reshape(dx, [n, p.od * sd, plane]);
    const before = t * g.dilation[0];
    const after = depth - before - p.od * sd;
    if (after < 0) dx = tf.slice(dx, [0, 0, 0], [n, p.od * sd + after, plane]);
    dxs.push(
      tf.pad(dx, [
        [0, 0],
        [before, Math.max(after, 0)],
        [0, 0],
      ]),
    );
  }
  const dw = tf.reshape(dws.length === 1 ? dws[0] : tf.stack(dws), [
    kd,
    kh,
    kw,
    c,
    cout,
  ]) as tf.Tensor5D;
  if (!inputGrad) return [tf.zerosLike(x), dw];
  let dx = dxs.length === 1 ? dxs[0] : tf.addN(dxs);
  if (pd > 0) dx = tf.slice(dx, [0, pd, 0], [n, d, plane]);
  return [tf.reshape(dx, [n, d, h, wd, c]), dw];
}

/**
 * A 3D convolution of [N, D, H, W, C] with a kernel [kd, kh, kw, in, out], run as kd conv2d over
 * depth-shifted stacks of slices, summed: output slice o sees input slices o*sd - pd + t*dd for
 * t < kd, so tap t is one conv2d on the (strided) slices starting at t*dd of the depth-padded
 * input, with the slices folded into the batch. One custom-gradient op: tfjs would otherwise save
 * a copy of the input and of the kernel for every slice, pad and reshape on the way.
 * `inputGrad` false skips the input gradient (zeros): the network's input needs none, and for the
 * stem it costs as much as the weight gradient.
 */
export function conv3d(
  x: tf.Tensor5D,
  w: tf.Tensor5D,
  g: Conv3dGeometry,
  inputGrad = true,
): tf.Tensor5D {
  if (nativeConv3d(g) && w.shape[0] > 1) {
    const [pd, ph, pw] = g.pad;
    const xp = tf.pad(x, [
      [0, 0],
      [pd, pd],
      [ph, ph],
      [pw, pw],
      [0, 0],
    ]);
    return tf.conv3d(xp, w, g.stride, 'valid');
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww] = args as [tf.Tensor5D, tf.Tensor5D];
    const { held, release } = holdForBackward([xx, ww]);
    return {
      value: conv3dForward(xx, ww, g),
      gradFunc: (dy: tf.Tensor) => {
        const grads = tf.tidy(() =>
          conv3dBackward(held[0], held[1], dy as tf.Tensor5D, g, inputGrad),
        );
        release();
        return grads;
      },
    };
  });
  return op(x, w) as tf.Tensor5D;
}
