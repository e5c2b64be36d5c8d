import { tf } from './tf';

export type SliceChannels = 'repeat' | 'neighbours';

/**
 * Turns a one-channel patch [N, D, H, W, 1] into the network's channels. 'repeat' copies the slice
 * into every channel (what the transfer-learning paper did for RGB weights); 'neighbours' gives
 * slice d the slices (d-1, d, d+1), i.e. 2.5D input, the patch's first and last slice standing in
 * for their missing neighbour.
 */
export function slicesToChannels(
  x: tf.Tensor5D,
  channels: number,
  mode: SliceChannels,
): tf.Tensor5D {
  if (x.shape[4] !== 1)
    throw new Error(`slicesToChannels: expected one channel, got ${x.shape[4]}`);
  return tf.tidy(() => {
    if (mode === 'repeat' || channels === 1)
      return tf.mul(x, tf.ones([1, 1, 1, 1, channels])) as tf.Tensor5D;
    if (channels !== 3)
      throw new Error(`2.5D input needs 3 channels, the network takes ${channels}`);
    const d = x.shape[1];
    const below = tf.concat(
      [
        tf.slice(x, [0, 0, 0, 0, 0], [-1, 1, -1, -1, -1]),
        tf.slice(x, [0, 0, 0, 0, 0], [-1, d - 1, -1, -1, -1]),
      ],
      1,
    );
    const above = tf.concat(
      [
        tf.slice(x, [0, 1, 0, 0, 0], [-1, d - 1, -1, -1, -1]),
        tf.slice(x, [0, d - 1, 0, 0, 0], [-1, 1, -1, -1, -1]),
      ],
      1,
    );
    return tf.concat([below, x, above], 4) as tf.Tensor5D;
  });
}
