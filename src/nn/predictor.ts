import { slicesToChannels, type SliceChannels } from './input';
import { predict, type Segmenter } from './segmenter';
import { tf } from './tf';

/**
 * The network as a sliding window sees it: `count` one-channel patches of [z][y][x] voxels in,
 * per-class probabilities out, channels last ([n][z][y][x][c]). The shape matches the engine's
 * PatchPredictor, so the engine can hand it patches without knowing about tensors.
 */
export interface SegmenterPredictor {
  readonly channels: number;
  predict(
    input: Float32Array,
    count: number,
    patch: [number, number, number],
  ): Promise<Float32Array>;
}

export function createPredictor(
  model: Segmenter,
  slices: SliceChannels = 'repeat',
): SegmenterPredictor {
  return {
    channels: model.config.numClasses,
    async predict(input, count, patch) {
      const [z, y, x] = patch;
      if (input.length !== count * z * y * x) {
        throw new Error(`predict: ${input.length} values for ${count} patches of ${z}x${y}x${x}`);
      }
      const probabilities = tf.tidy(() => {
        const raw = tf.tensor5d(input, [count, z, y, x, 1]);
        return predict(model, slicesToChannels(raw, model.config.inChannels, slices));
      });
      const out = (await probabilities.data()) as Float32Array;
      probabilities.dispose();
      return out;
    },
  };
}
