// The union package, not tfjs-core alone: core's Node bundle registers no gradients, and its ES
// build cannot be deep-imported under Node. The union registers every gradient and the cpu backend.
import * as tf from '@tensorflow/tfjs';

export { tf };
