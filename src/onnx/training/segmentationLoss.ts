import { nonChannelAxes, volumeOf, type DiffGraph, type Value } from './DiffGraph';

/** Keeps Dice defined for a class absent from both prediction and target (as src/nn/training.ts). */
const DICE_EPS = 1e-5;

export interface LossOutputs {
  /** [1]: cross-entropy + 1 - mean soft Dice */
  loss: string;
  /** [K]: soft Dice per class over the batch */
  dice: string;
  /** d loss / d logits, the seed of the backward pass */
  dLogits: string;
}

/**
 * The training loss of src/nn/training.ts (segmentationLoss) and its gradient, written out by
 * hand: with p = softmax(z), T the one-hot target, V voxels and K classes,
 * CE = -sum(T log p) / V, Dice_k = (2 I_k + e) / (S_k + e), I_k = sum_v p T, S_k = sum_v p + T;
 * dL/dp = -(1/K) (2 T / (S + e) - (2 I + e) / (S + e)^2), and through the softmax
 * dL/dz = (p - T) / V + p (g - sum_k p g) with g = dL/dp (the one-hot sums to 1 per voxel).
 */
export function segmentationLoss(dg: DiffGraph, logits: Value, target: Value): LossOutputs {
  const g = dg.g;
  const rank = logits.shape.length;
  const k = logits.shape[1];
  const voxels = volumeOf(logits.shape) / k;
  const axes = dg.ints(nonChannelAxes(rank));
  const perClass = (v: string) =>
    g.node('Reshape', [v, dg.ints([1, k, ...Array<number>(rank - 2).fill(1)])]);
  const sum = (v: string) => g.node('ReduceSum', [v, axes], { keepdims: 0 });

  // Log-softmax over the class axis from reductions: ONNX Runtime's LogSoftmax on axis 1 of a
  // 5-D tensor transposes the class axis last and back, and took 7% of an ACS step.
  const shifted = g.node('Sub', [
    logits.name,
    g.node('ReduceMax', [logits.name], { axes: [1], keepdims: 1 }),
  ]);
  const logp = g.node('Sub', [
    shifted,
    g.node('Log', [g.node('ReduceSum', [g.node('Exp', [shifted]), dg.ints([1])], { keepdims: 1 })]),
  ]);
  const p = g.node('Exp', [logp]);
  const ceSum = g.node('ReduceSum', [g.node('Mul', [target.name, logp])], { keepdims: 0 });
  const ce = g.node('Mul', [ceSum, dg.floats([-1 / voxels])]);
  const intersection = sum(g.node('Mul', [p, target.name]));
  const denominator = g.node('Add', [
    g.node('Add', [sum(p), sum(target.name)]),
    dg.floats([DICE_EPS]),
  ]);
  const numerator = g.node('Add', [
    g.node('Mul', [intersection, dg.floats([2])]),
    dg.floats([DICE_EPS]),
  ]);
  const dice = g.node('Div', [numerator, denominator]);
  const meanDice = g.node('ReduceMean', [dice], { keepdims: 0 });
  const loss = g.node('Reshape', [
    g.node('Add', [ce, g.node('Sub', [dg.floats([1]), meanDice])]),
    dg.ints([1]),
  ]);

  const a = g.node('Div', [dg.floats([-2 / k]), denominator]);
  const b = g.node('Div', [
    g.node('Mul', [numerator, dg.floats([1 / k])]),
    g.node('Mul', [denominator, denominator]),
  ]);
  const dp = g.node('Add', [g.node('Mul', [target.name, perClass(a)]), perClass(b)]);
  const pdp = g.node('Mul', [p, dp]);
  const weighted = g.node('ReduceSum', [pdp, dg.ints([1])], { keepdims: 1 });
  const dDice = g.node('Sub', [pdp, g.node('Mul', [p, weighted])]);
  const dCe = g.node('Mul', [g.node('Sub', [p, target.name]), dg.floats([1 / voxels])]);
  return { loss, dice, dLogits: g.node('Add', [dDice, dCe]) };
}
