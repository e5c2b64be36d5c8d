import type { DiffGraph } from './DiffGraph';
import type { OptimizerSettings } from './TrainingGraphOptions';

export interface AdamState {
  params: string;
  m: string;
  v: string;
}

/**
 * One Adam (or AdamW) step on the flat vectors as elementwise ops, in PyTorch's arithmetic:
 * Adam adds weight_decay * theta to the gradient; AdamW scales theta by (1 - lr * weight_decay)
 * first. theta -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 */
export function adamStep(
  dg: DiffGraph,
  state: AdamState,
  gradient: string,
  step: string,
  learningRate: string,
  o: OptimizerSettings,
): AdamState {
  const g = dg.g;
  const c = (x: number) => dg.floats([x]);
  let theta = state.params;
  let grad = gradient;
  if (o.weightDecay > 0 && o.kind === 'adam')
    grad = g.node('Add', [grad, g.node('Mul', [theta, c(o.weightDecay)])]);
  if (o.weightDecay > 0 && o.kind === 'adamw')
    theta = g.node('Mul', [
      theta,
      g.node('Sub', [c(1), g.node('Mul', [learningRate, c(o.weightDecay)])]),
    ]);
  const m = g.node('Add', [
    g.node('Mul', [state.m, c(o.beta1)]),
    g.node('Mul', [grad, c(1 - o.beta1)]),
  ]);
  const v = g.node('Add', [
    g.node('Mul', [state.v, c(o.beta2)]),
    g.node('Mul', [g.node('Mul', [grad, grad]), c(1 - o.beta2)]),
  ]);
  const correction1 = g.node('Sub', [c(1), g.node('Pow', [c(o.beta1), step])]);
  const correction2 = g.node('Sub', [c(1), g.node('Pow', [c(o.beta2), step])]);
  const denominator = g.node('Add', [
    g.node('Div', [g.node('Sqrt', [v]), g.node('Sqrt', [correction2])]),
    c(o.epsilon),
  ]);
  const stepSize = g.node('Div', [learningRate, correction1]);
  const params = g.node('Sub', [theta, g.node('Mul', [g.node('Div', [m, denominator]), stepSize])]);
  return { params, m, v };
}
