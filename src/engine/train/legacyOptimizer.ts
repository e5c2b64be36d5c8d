import { parameterShapes } from '../../nn/architecture';
import type { ModelCard } from '../../nn/modelCard';
import { configFromCard } from '../../nn/modelCard';
import type { HostTensor, StateDict } from '../../nn/weights/hostTensor';
import { isBuffer } from '../../onnx/training/parameterLayout';
import type { AdamState } from './Trainer';

/** Our kernel layout ([(T,) kh, kw, in, out]) back to PyTorch's ([out, in, (T,) kh, kw]). */
function torchLayout(t: HostTensor, shape: number[]): HostTensor {
  if (t.shape.length < 4) return { shape, data: t.data };
  const rank = t.shape.length;
  // axis of ours that each of PyTorch's axes reads: out, in, then the spatial axes in order
  const from = [rank - 1, rank - 2, ...Array.from({ length: rank - 2 }, (_, i) => i)];
  const strides = t.shape.map((_, a) => t.shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const data = new Float32Array(t.data.length);
  const index = new Array<number>(rank).fill(0);
  for (let n = 0; n < data.length; n++) {
    let at = 0;
    for (let a = 0; a < rank; a++) at += index[a] * strides[from[a]];
    data[n] = t.data[at];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return { shape, data };
}

/**
 * Adam's state from a checkpoint written before the optimizer file was backend-neutral: tfjs's
 * own list (`000000:iter`, then every first moment, then every second moment, in the variables'
 * order, in our layout), as the trainings of earlier versions left them to resume.
 */
export function legacyAdamState(dict: StateDict, card: ModelCard, source: string): AdamState {
  const keys = [...dict.keys()].sort();
  const trainable = [...parameterShapes(configFromCard(card))].filter(([n]) => !isBuffer(n));
  if (keys.length !== 1 + 2 * trainable.length || !keys[0].endsWith(':iter'))
    throw new Error(
      `${source} is not an optimizer state of this network: ${keys.length} tensors for ${trainable.length} trainable ones`,
    );
  const at = (i: number) => dict.get(keys[i]) as HostTensor;
  const moments = (first: number): StateDict =>
    new Map(trainable.map(([name, shape], i) => [name, torchLayout(at(first + i), shape)]));
  return { step: at(0).data[0], m: moments(1), v: moments(1 + trainable.length) };
}
