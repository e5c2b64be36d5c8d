import { allConvs, describe, kernelDepth, type SegmenterConfig } from '../architecture';
import type { StateDict } from '../weights/hostTensor';
import {
  inflateKernel,
  inflationFactors,
  PAPER_ALPHAS,
  type InflationMethod,
} from './inflateKernel';

export interface Conversion {
  method: InflationMethod;
  /** Scaling weights per kernel depth; the paper's for T = 3 and 7 unless given. */
  alphas?: Record<number, number[]>;
}

/**
 * Turns a 2D state dict (PyTorch layout) into the state dict of the same network of another kind.
 * ACS and slice-wise 2D use the 2D kernels as they are (ACS splits them by output channel at run
 * time); inflated 3D gives each k x k kernel a depth T by centre, averaging or scaling. Batch norm
 * has no spatial extent and converts as it is. 'random' keeps nothing: the baseline without 2D
 * pretraining.
 */
export function convertStateDict(
  state2d: StateDict,
  config: SegmenterConfig,
  conversion: Conversion,
): StateDict {
  if (conversion.method === 'random') return new Map();
  if (config.kind !== '3d') return new Map(state2d);
  const convs = new Map(allConvs(describe(config)).map((c) => [`${c.name}.weight`, c]));
  const alphas = { ...PAPER_ALPHAS, ...conversion.alphas };
  const out: StateDict = new Map();
  for (const [name, tensor] of state2d) {
    const conv = convs.get(name);
    if (conv && tensor.shape.length === 4) {
      out.set(
        name,
        inflateKernel(
          tensor,
          inflationFactors(conversion.method, kernelDepth(config, conv), alphas),
        ),
      );
    } else {
      out.set(name, tensor);
    }
  }
  return out;
}
