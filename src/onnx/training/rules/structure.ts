import type { DiffGraph, Value } from '../DiffGraph';

/** Rules for the ops that only move or combine values: ReLU, Add, Concat, Slice, Reshape. */

export function relu(dg: DiffGraph, x: Value): Value {
  const name = dg.g.node('Relu', [x.name]);
  // ReLU's output is 0 or positive, so its sign is the derivative (0 at 0, as PyTorch takes it).
  return dg.record([x], { name, shape: x.shape }, (dy) => [
    dg.g.node('Mul', [dy, dg.g.node('Sign', [name])]),
  ]);
}

export function add(dg: DiffGraph, a: Value, b: Value): Value {
  const name = dg.g.node('Add', [a.name, b.name]);
  return dg.record([a, b], { name, shape: a.shape }, (dy) => [dy, dy]);
}

/** Concatenation along `axis`; each input's gradient is its slice of dy. */
export function concat(dg: DiffGraph, parts: Value[], axis: number): Value {
  if (parts.length === 1) return parts[0];
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const name = dg.g.node(
    'Concat',
    parts.map((p) => p.name),
    { axis },
  );
  return dg.record(parts, { name, shape }, (dy) => {
    let from = 0;
    return parts.map((p) => {
      const to = from + p.shape[axis];
      const piece = dg.g.node('Slice', [dy, dg.ints([from]), dg.ints([to]), dg.ints([axis])]);
      from = to;
      return piece;
    });
  });
}

/** Rows [from, to) of axis 0; the gradient is dy padded back with zeros. */
export function sliceRows(dg: DiffGraph, x: Value, from: number, to: number): Value {
  const name = dg.g.node('Slice', [x.name, dg.ints([from]), dg.ints([to]), dg.ints([0])]);
  const shape = [to - from, ...x.shape.slice(1)];
  return dg.record([x], { name, shape }, (dy) => {
    const rank = x.shape.length;
    const pads = Array<number>(2 * rank).fill(0);
    pads[0] = from;
    pads[rank] = x.shape[0] - to;
    return [dg.g.node('Pad', [dy, dg.ints(pads)])];
  });
}

export function reshape(dg: DiffGraph, x: Value, shape: number[]): Value {
  const name = dg.g.node('Reshape', [x.name, dg.ints(shape)]);
  return dg.record([x], { name, shape }, (dy) => [dg.g.node('Reshape', [dy, dg.ints(x.shape)])]);
}
