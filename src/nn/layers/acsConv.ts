import { acsSplit } from '../convert/acsSplit';
import { tf } from '../tf';
import { sliceChannels } from './channels';
import type { Conv2dGeometry } from './conv2d';
import { conv3dBackward, conv3dForward, type Conv3dGeometry } from './conv3d';
import { derivedKernels } from './derivedKernels';
import { holdForBackward } from './taping';

/**
 * The three views: each group's input permuted so that its kernel's unit axis comes first and
 * folds into the batch, and the permutation that brings its output back to [N, D, H, W, C].
 */
const VIEWS: { into: number[]; back: number[] }[] = [
  { into: [0, 1, 2, 3, 4], back: [0, 1, 2, 3, 4] }, // axial: (1, kh, kw) over (D, H, W)
  { into: [0, 2, 1, 3, 4], back: [0, 2, 1, 3, 4] }, // coronal: (kh, 1, kw); H leads
  { into: [0, 3, 1, 2, 4], back: [0, 2, 3, 1, 4] }, // sagittal: (kh, kw, 1); W leads
];

function view(x: tf.Tensor5D, perm: number[]): tf.Tensor5D {
  return perm[1] === 1 && perm[2] === 2 ? x : tf.transpose(x, perm);
}

function groups(w: tf.Tensor4D): { from: number; size: number; w: tf.Tensor5D }[] {
  const [kh, kw, cin, cout] = w.shape;
  const sizes = acsSplit(cout);
  const kernels = derivedKernels(w, () =>
    sizes.map((size, i) => {
      const from = sizes.slice(0, i).reduce((a, b) => a + b, 0);
      // An empty group (fewer than three output channels) gets no kernel and no convolution.
      const kernel = size > 0 ? sliceChannels(w, from, size) : tf.zeros([kh, kw, cin, 1]);
      return tf.reshape(kernel, [1, kh, kw, cin, Math.max(size, 1)]) as tf.Tensor5D;
    }),
  );
  let from = 0;
  return sizes.map((size, i) => {
    const g = { from, size, w: kernels[i] };
    from += size;
    return g;
  });
}

function geometry(g: Conv2dGeometry): Conv3dGeometry {
  const s = g.stride[0];
  return {
    stride: [s, s, s],
    pad: [0, g.pad[0], g.pad[1]],
    dilation: [1, g.dilation[0], g.dilation[1]],
  };
}

function concatChannelsRaw(xs: tf.Tensor5D[]): tf.Tensor5D {
  if (xs.length === 1) return xs[0];
  const [n, d, h, w] = xs[0].shape;
  const flat = xs.map((x) => tf.reshape(x, [-1, x.shape[4]]));
  const c = xs.reduce((a, x) => a + x.shape[4], 0);
  return tf.reshape(tf.concat(flat, 1), [n, d, h, w, c]) as tf.Tensor5D;
}

/**
 * ACS convolution of [N, D, H, W, C] with a 2D kernel [kh, kw, in, out] (Yang et al.): the output
 * channels split ceil-first into axial, coronal and sagittal groups; each group's 2D kernel runs
 * on its own plane, (1, kh, kw), (kh, 1, kw) and (kh, kw, 1) over (depth, height, width), with the
 * 2D layer's stride on all three axes and its padding on the two kernel axes. Every group is a
 * plain conv2d: the coronal (sagittal) group puts height (width) in the batch axis by a transpose,
 * convolves the (depth, width) ((depth, height)) planes, and transposes back. One custom-gradient
 * op, so that tfjs saves no copies of the permuted inputs and kernel slices. `inputGrad` false
 * skips the input gradient, as in conv3d.
 */
export function acsConv(
  x: tf.Tensor5D,
  w: tf.Tensor4D,
  g: Conv2dGeometry,
  inputGrad = true,
): tf.Tensor5D {
  const g3 = geometry(g);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww] = args as [tf.Tensor5D, tf.Tensor4D];
    const { held, release } = holdForBackward([xx, ww]);
    const value = tf.tidy(() =>
      concatChannelsRaw(
        groups(ww)
          .map((grp, i) => ({ grp, v: VIEWS[i] }))
          .filter(({ grp }) => grp.size > 0)
          .map(({ grp, v }) => view(conv3dForward(view(xx, v.into), grp.w, g3), v.back)),
      ),
    );
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const [hx, hw] = held;
        const grads = tf.tidy(() => {
          const dxs: tf.Tensor5D[] = [];
          const dws: tf.Tensor[] = [];
          groups(hw).forEach((grp, i) => {
            if (grp.size === 0) return;
            const v = VIEWS[i];
            const dyg = view(sliceChannels(dy as tf.Tensor5D, grp.from, grp.size), v.into);
            const [dx, dw] = conv3dBackward(view(hx, v.into), grp.w, dyg, g3, inputGrad);
            if (!inputGrad) dx.dispose();
            else dxs.push(view(dx, v.back));
            dws.push(tf.reshape(dw, [-1, grp.size]));
          });
          const [kh, kw, cin, cout] = hw.shape;
          const dw = tf.reshape(dws.length === 1 ? dws[0] : tf.concat(dws, 1), [kh, kw, cin, cout]);
          const dx = dxs.length === 0 ? tf.zerosLike(hx) : dxs.length === 1 ? dxs[0] : tf.addN(dxs);
          return [dx, dw];
        });
        release();
        return grads;
      },
    };
  });
  return op(x, w) as tf.Tensor5D;
}
