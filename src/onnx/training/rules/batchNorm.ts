import { BN_EPS } from '../../../nn/layers/batchNorm';
import { nonChannelAxes, volumeOf, type DiffGraph, type Value } from '../DiffGraph';

/** PyTorch's momentum for the running statistics. */
const MOMENTUM = 0.1;

export interface BatchNormInputs {
  gamma: Value;
  beta: Value;
  runningMean: string;
  runningVar: string;
}

/** [C] -> [1, C, 1, ...] so that it broadcasts over a tensor of the given rank. */
function perChannel(dg: DiffGraph, v: string, channels: number, rank: number): string {
  const shape = [1, channels, ...Array<number>(rank - 2).fill(1)];
  return dg.g.node('Reshape', [v, dg.ints(shape)]);
}

/**
 * Frozen batch norm (running statistics): y = x * a + b, a = gamma / sqrt(var + eps),
 * b = beta - mean * a. Gradients: dx = dy * a, dgamma = (sum(dy * x) - mean * sum(dy)) / sqrt(var
 * + eps), dbeta = sum(dy), so x - mean is never materialised.
 */
export function frozenBatchNorm(dg: DiffGraph, x: Value, p: BatchNormInputs): Value {
  const rank = x.shape.length;
  const c = x.shape[1];
  const g = dg.g;
  const inv = g.node('Reciprocal', [
    g.node('Sqrt', [g.node('Add', [p.runningVar, dg.floats([BN_EPS])])]),
  ]);
  const scale = g.node('Mul', [p.gamma.name, inv]);
  const shift = g.node('Sub', [p.beta.name, g.node('Mul', [p.runningMean, scale])]);
  const scale5 = perChannel(dg, scale, c, rank);
  const name = g.node('Add', [g.node('Mul', [x.name, scale5]), perChannel(dg, shift, c, rank)]);
  const axes = dg.ints(nonChannelAxes(rank));
  return dg.record([x, p.gamma, p.beta], { name, shape: x.shape }, (dy, wanted) => {
    const sumDy = g.node('ReduceSum', [dy, axes], { keepdims: 0 });
    const sumDyX = wanted[1]
      ? g.node('ReduceSum', [g.node('Mul', [dy, x.name]), axes], { keepdims: 0 })
      : undefined;
    return [
      wanted[0] ? g.node('Mul', [dy, scale5]) : undefined,
      sumDyX
        ? g.node('Mul', [g.node('Sub', [sumDyX, g.node('Mul', [p.runningMean, sumDy])]), inv])
        : undefined,
      sumDy,
    ];
  });
}

/**
 * Batch norm by the batch's statistics (biased variance to normalise), with PyTorch's running
 * update (unbiased variance). Gradient: dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy *
 * xhat)).
 */
export function batchStatisticsNorm(
  dg: DiffGraph,
  x: Value,
  p: BatchNormInputs,
): { y: Value; runningMean: string; runningVar: string } {
  const rank = x.shape.length;
  const c = x.shape[1];
  const n = volumeOf(x.shape) / c;
  const g = dg.g;
  const axesList = nonChannelAxes(rank);
  const mean = g.node('ReduceMean', [x.name], { axes: axesList, keepdims: 1 });
  const centred = g.node('Sub', [x.name, mean]);
  const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred])], {
    axes: axesList,
    keepdims: 1,
  });
  const inv = g.node('Reciprocal', [
    g.node('Sqrt', [g.node('Add', [variance, dg.floats([BN_EPS])])]),
  ]);
  const xhat = g.node('Mul', [centred, inv]);
  const gamma5 = perChannel(dg, p.gamma.name, c, rank);
  const name = g.node('Add', [g.node('Mul', [xhat, gamma5]), perChannel(dg, p.beta.name, c, rank)]);
  const axes = dg.ints(axesList);
  const flatStat = (v: string) => g.node('Reshape', [v, dg.ints([c])]);
  const update = (running: string, batch: string, factor: number) =>
    g.node('Add', [
      g.node('Mul', [running, dg.floats([1 - MOMENTUM])]),
      g.node('Mul', [flatStat(batch), dg.floats([MOMENTUM * factor])]),
    ]);
  const y = dg.record([x, p.gamma, p.beta], { name, shape: x.shape }, (dy, wanted) => {
    const sumDy = g.node('ReduceSum', [dy, axes], { keepdims: 1 });
    const sumDyXhat = g.node('ReduceSum', [g.node('Mul', [dy, xhat]), axes], { keepdims: 1 });
    let dx: string | undefined;
    if (wanted[0]) {
      const meanDy = g.node('Mul', [sumDy, dg.floats([1 / n])]);
      const meanDyXhat = g.node('Mul', [sumDyXhat, dg.floats([1 / n])]);
      const inner = g.node('Sub', [g.node('Sub', [dy, meanDy]), g.node('Mul', [xhat, meanDyXhat])]);
      dx = g.node('Mul', [inner, g.node('Mul', [gamma5, inv])]);
    }
    return [dx, flatStat(sumDyXhat), flatStat(sumDy)];
  });
  return {
    y,
    runningMean: update(p.runningMean, mean, 1),
    runningVar: update(p.runningVar, variance, n / Math.max(n - 1, 1)),
  };
}
