// One inference worker: its own tfjs-wasm instance (one thread each in Node), the model rebuilt
// from the weights it is sent, patches in and probabilities out.
import '@tensorflow/tfjs-backend-wasm';
import { parentPort } from 'node:worker_threads';
import { createPredictor, type SegmenterPredictor } from '../predictor';
import { buildSegmenter } from '../segmenter';
import { tf } from '../tf';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('predictWorker runs as a worker thread');
let predictor: SegmenterPredictor | undefined;

port.on('message', (message: ToWorker) => {
  void handle(message);
});

async function handle(message: ToWorker): Promise<void> {
  const reply = (m: FromWorker, transfer: ArrayBuffer[] = []) => port?.postMessage(m, transfer);
  if (message.type === 'init') {
    await tf.setBackend('wasm');
    await tf.ready();
    const weights = new Map(message.weights.map(([name, shape, data]) => [name, { shape, data }]));
    predictor = createPredictor(buildSegmenter(message.config, { weights }), message.slices);
    reply({ type: 'ready', backend: tf.getBackend() });
    return;
  }
  try {
    if (!predictor) throw new Error('worker not initialised');
    const output = await predictor.predict(message.input, message.count, message.patch);
    reply({ type: 'result', id: message.id, output }, [output.buffer as ArrayBuffer]);
  } catch (e) {
    reply({ type: 'error', id: message.id, message: (e as Error).message });
  }
}
