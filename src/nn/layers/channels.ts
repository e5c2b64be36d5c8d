import { tf } from '../tf';

// tfjs-wasm slices and splits rank-5 tensors on a slow generic path (about 0.9 s for 2 M floats,
// 250x its rank-2 path), and tf.concat's gradient is such a split: channel slicing and
// concatenation go through [voxels, channels] views instead.

export function sliceChannels<T extends tf.Tensor>(x: T, begin: number, size: number): T {
  const c = x.shape[x.rank - 1];
  if (begin === 0 && size === c) return x;
  const flat = tf.reshape(x, [-1, c]);
  return tf.reshape(tf.slice(flat, [0, begin], [-1, size]), [...x.shape.slice(0, -1), size]) as T;
}

/** Concatenation along the channel axis, its gradient a channel slice of dy per input. */
export function concatChannels<T extends tf.Tensor>(xs: T[]): T {
  if (xs.length === 1) return xs[0];
  const sizes = xs.map((x) => x.shape[x.rank - 1]);
  const outer = xs[0].shape.slice(0, -1);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, xs.length) as tf.Tensor[];
    const value = tf.reshape(
      tf.concat(
        inputs.map((x, i) => tf.reshape(x, [-1, sizes[i]])),
        1,
      ),
      [...outer, sizes.reduce((a, b) => a + b, 0)],
    );
    return {
      value,
      gradFunc: (dy) => {
        let begin = 0;
        return sizes.map((size) => {
          const g = sliceChannels(dy as tf.Tensor, begin, size);
          begin += size;
          return g;
        });
      },
    };
  });
  return op(...xs) as T;
}
