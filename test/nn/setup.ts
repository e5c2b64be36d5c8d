import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../src/nn/tf';

/** The unit tests run on wasm, the backend that every install has and the one users get here. */
export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}
