import type * as OrtNamespace from 'onnxruntime-node';
import type { ModelCard } from '../../nn/modelCard';
import type { Dims3 } from '../inference/patchGrid';
import type { PatchPredictor } from '../inference/PatchPredictor';
import type { OnnxRuntime } from './onnxRuntime';

type Session = OrtNamespace.InferenceSession;

/**
 * One-channel patches [n][z][y][x] as the network's input [n][c][z][y][x]: the slice repeated in
 * every channel, or 2.5D neighbours (slice d gets d-1, d, d+1, the patch's first and last slice
 * standing in for their missing neighbour), as src/nn/input.ts does on tensors.
 */
export function patchChannels(
  input: Float32Array,
  count: number,
  patch: Dims3,
  channels: number,
  slices: ModelCard['input']['slices'],
): Float32Array {
  const [d, h, w] = patch;
  const plane = h * w;
  const volume = d * plane;
  if (channels === 1) return input;
  if (slices === 'neighbours' && channels !== 3)
    throw new Error(`2.5D input needs 3 channels, the network takes ${channels}`);
  const out = new Float32Array(count * channels * volume);
  for (let n = 0; n < count; n++) {
    const src = input.subarray(n * volume, (n + 1) * volume);
    for (let c = 0; c < channels; c++) {
      const dst = (n * channels + c) * volume;
      if (slices === 'repeat') {
        out.set(src, dst);
        continue;
      }
      for (let z = 0; z < d; z++) {
        const from = Math.min(Math.max(z + c - 1, 0), d - 1);
        out.set(src.subarray(from * plane, (from + 1) * plane), dst + z * plane);
      }
    }
  }
  return out;
}

/** [n][k][z][y][x] -> [n][z][y][x][k], the layout the sliding window stitches. */
export function channelsLast(data: Float32Array, count: number, k: number, voxels: number) {
  const out = new Float32Array(data.length);
  for (let n = 0; n < count; n++) {
    const base = n * k * voxels;
    for (let c = 0; c < k; c++) {
      const from = base + c * voxels;
      for (let v = 0; v < voxels; v++) out[base + v * k + c] = data[from + v];
    }
  }
  return out;
}

/** A session as the sliding window's PatchPredictor: patches batched into one run. */
export function onnxPredictor(
  runtime: OnnxRuntime,
  session: Session,
  card: ModelCard,
): PatchPredictor {
  const { ort } = runtime;
  const classes = card.classes.length;
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return {
    channels: classes,
    async predict(input, count, patch) {
      const voxels = patch[0] * patch[1] * patch[2];
      if (input.length !== count * voxels)
        throw new Error(
          `predict: ${input.length} values for ${count} patches of ${patch.join('x')}`,
        );
      const x = patchChannels(input, count, patch, card.input.channels, card.input.slices);
      const feed = {
        [inputName]: new ort.Tensor('float32', x, [count, card.input.channels, ...patch]),
      };
      const result = await session.run(feed);
      const y = result[outputName];
      try {
        const want = [count, classes, ...patch];
        if (y.dims.length !== 5 || y.dims.some((v, i) => v !== want[i]))
          throw new Error(`the graph gave ${y.dims.join('x')}, expected ${want.join('x')}`);
        return channelsLast(y.data as Float32Array, count, classes, voxels);
      } finally {
        y.dispose();
      }
    },
  };
}
