import type { HostTensor } from '../weights/hostTensor';

export type InflationMethod = 'centre' | 'average' | 'scale' | 'random';

/** The transfer-learning paper's scaling weights alpha_t, for the kernel depths it used. */
export const PAPER_ALPHAS: Record<number, number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  7: [0.05, 0.1, 0.2, 0.3, 0.2, 0.1, 0.05],
};

/** The per-slice factors of an inflation: W3D[t] = factor[t] * W2D. */
export function inflationFactors(
  method: Exclude<InflationMethod, 'random'>,
  depth: number,
  alphas: Record<number, number[]> = PAPER_ALPHAS,
): number[] {
  switch (method) {
    case 'centre': {
      if (depth % 2 === 0)
        throw new Error(`centre inflation needs an odd kernel depth, got ${depth}`);
      return Array.from({ length: depth }, (_, t) => (t === (depth - 1) / 2 ? 1 : 0));
    }
    case 'average':
      return Array.from({ length: depth }, () => 1 / depth);
    case 'scale': {
      const a = alphas[depth];
      if (!a || a.length !== depth) {
        throw new Error(
          `scaling inflation: no alphas given for kernel depth ${depth} (have ${Object.keys(alphas).join(', ')})`,
        );
      }
      const sum = a.reduce((x, y) => x + y, 0);
      if (a.some((x) => !(x > 0)) || Math.abs(sum - 1) > 1e-6) {
        throw new Error(
          `scaling inflation: alphas for depth ${depth} must be positive and sum to 1, got ${a.join(', ')}`,
        );
      }
      return a;
    }
  }
}

/**
 * Inflates a 2D kernel [out, in, kh, kw] to [out, in, T, kh, kw] (PyTorch layout, the new axis
 * being depth): slice t is factor[t] times the 2D kernel (ZWI / centre, averaging, scaling).
 */
export function inflateKernel(w: HostTensor, factors: number[]): HostTensor {
  if (w.shape.length !== 4)
    throw new Error(
      `inflateKernel: expected a 2D kernel [out, in, kh, kw], got [${w.shape.join(', ')}]`,
    );
  const [o, i, kh, kw] = w.shape as [number, number, number, number];
  const depth = factors.length;
  const plane = kh * kw;
  const out = new Float32Array(o * i * depth * plane);
  for (let oi = 0; oi < o * i; oi++) {
    const src = w.data.subarray(oi * plane, (oi + 1) * plane);
    for (let t = 0; t < depth; t++) {
      const f = factors[t];
      const base = (oi * depth + t) * plane;
      for (let p = 0; p < plane; p++) out[base + p] = f * src[p];
    }
  }
  return { shape: [o, i, depth, kh, kw], data: out };
}
