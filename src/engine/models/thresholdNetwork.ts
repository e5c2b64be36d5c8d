import type * as tfNamespace from '@tensorflow/tfjs';
import type { Dims3 } from '../inference/patchGrid';
import type { PatchPredictor } from '../inference/PatchPredictor';
import type { ThresholdModelCard } from './thresholdModelCard';

/**
 * A real tfjs network: a 1x1x1 Conv3D with two filters and a softmax. Channel 0's logit is 0
 * and channel 1's is sharpness*(x - threshold), so p(label 1) = sigmoid(sharpness*(x - t)).
 */
export function thresholdNetwork(tf: typeof tfNamespace, card: ThresholdModelCard): PatchPredictor {
  const model = tf.sequential({
    layers: [
      tf.layers.conv3d({
        inputShape: [null, null, null, 1],
        filters: 2,
        kernelSize: 1,
        activation: 'softmax',
      }),
    ],
  });
  const kernel = tf.tensor5d([0, card.sharpness], [1, 1, 1, 1, 2]);
  const bias = tf.tensor1d([0, -card.sharpness * card.threshold]);
  model.setWeights([kernel, bias]);
  kernel.dispose();
  bias.dispose();
  return {
    channels: 2,
    async predict(input: Float32Array, count: number, patch: Dims3): Promise<Float32Array> {
      const output = tf.tidy(() => {
        const x = tf.tensor5d(input, [count, patch[0], patch[1], patch[2], 1]);
        return model.predict(x) as tfNamespace.Tensor;
      });
      const values = (await output.data()) as Float32Array;
      output.dispose();
      return values;
    },
  };
}
