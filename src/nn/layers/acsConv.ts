import { acsSplit } from '../convert/acsSplit';
import { tf } from '../tf';
import { concatChannels, sliceChannels } from './channels';
import type { Conv2dGeometry } from './conv2d';
import { conv3d } from './conv3d';

/**
 * ACS convolution of [N, D, H, W, C] with a 2D kernel [kh, kw, in, out] (Yang et al.): the output
 * channels split ceil-first into axial, coronal and sagittal groups; each group's 2D kernel runs
 * on its own plane, (1, kh, kw), (kh, 1, kw) and (kh, kw, 1) over (depth, height, width), with the
 * 2D layer's stride on all three axes and its padding on the two kernel axes. Every group is a
 * plain conv2d: the coronal (sagittal) group puts height (width) in the batch axis by a transpose,
 * convolves the (depth, width) ((depth, height)) planes, and transposes back.
 */
export function acsConv(x: tf.Tensor5D, w: tf.Tensor4D, g: Conv2dGeometry): tf.Tensor5D {
  const [kh, kw, cin, cout] = w.shape;
  const [a, c, s] = acsSplit(cout);
  const stride = g.stride[0];
  const geometry = {
    stride: [stride, stride, stride] as [number, number, number],
    pad: [0, g.pad[0], g.pad[1]] as [number, number, number],
    dilation: [1, g.dilation[0], g.dilation[1]] as [number, number, number],
  };
  const group = (from: number, size: number) =>
    tf.reshape(sliceChannels(w, from, size), [1, kh, kw, cin, size]) as tf.Tensor5D;
  const outputs: tf.Tensor5D[] = [];
  if (a > 0) outputs.push(conv3d(x, group(0, a), geometry));
  if (c > 0) {
    const y = conv3d(tf.transpose(x, [0, 2, 1, 3, 4]), group(a, c), geometry);
    outputs.push(tf.transpose(y, [0, 2, 1, 3, 4]));
  }
  if (s > 0) {
    const y = conv3d(tf.transpose(x, [0, 3, 1, 2, 4]), group(a + c, s), geometry);
    outputs.push(tf.transpose(y, [0, 2, 3, 1, 4]));
  }
  return concatChannels(outputs);
}
