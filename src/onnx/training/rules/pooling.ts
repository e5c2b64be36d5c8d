import { volumeOf, type DiffGraph, type Value } from '../DiffGraph';

/**
 * Max pooling, kernel 3, stride 2, padding 1 on the given spatial axes (1 elsewhere). The
 * forward also returns MaxPool's indices (flat positions in x); the gradient adds each dy into
 * the position that won its window (windows overlap, so ScatterElements with reduction 'add').
 */
export function maxPool(dg: DiffGraph, x: Value, pooled: boolean[]): Value {
  const kernel = pooled.map((p) => (p ? 3 : 1));
  const strides = pooled.map((p) => (p ? 2 : 1));
  const pads = pooled.map((p) => (p ? 1 : 0));
  const [name, indices] = dg.g.nodeOutputs('MaxPool', [x.name], 2, {
    kernel_shape: kernel,
    strides,
    pads: [...pads, ...pads],
  });
  const spatial = x.shape
    .slice(2)
    .map((size, i) => Math.floor((size + 2 * pads[i] - kernel[i]) / strides[i]) + 1);
  const shape = [x.shape[0], x.shape[1], ...spatial];
  return dg.record([x], { name, shape }, (dy) => {
    const zeros = dg.g.node('Expand', [dg.floats([0]), dg.ints([volumeOf(x.shape)])]);
    const scattered = dg.g.node(
      'ScatterElements',
      [
        zeros,
        dg.g.node('Reshape', [indices, dg.ints([-1])]),
        dg.g.node('Reshape', [dy, dg.ints([-1])]),
      ],
      { axis: 0, reduction: 'add' },
    );
    return [dg.g.node('Reshape', [scattered, dg.ints(x.shape)])];
  });
}

/**
 * Nearest upsampling by an integer factor on the given spatial axes: each value repeated, as
 * PyTorch's 'nearest' (output i reads input floor(i / f)). Written as Reshape + Expand (a unit
 * axis after each upsampled one, broadcast to f); the gradient sums each f-block (the same
 * reshape, ReduceSum over the inserted axes).
 */
export function upsample(dg: DiffGraph, x: Value, factors: number[]): Value {
  const [n, c, ...spatial] = x.shape;
  const withUnit: number[] = [n, c];
  const expanded: number[] = [n, c];
  const blockAxes: number[] = [];
  spatial.forEach((size, i) => {
    withUnit.push(size);
    expanded.push(size);
    if (factors[i] > 1) {
      withUnit.push(1);
      expanded.push(factors[i]);
      blockAxes.push(expanded.length - 1);
    }
  });
  const shape = [n, c, ...spatial.map((s, i) => s * factors[i])];
  const g = dg.g;
  const name = g.node('Reshape', [
    g.node('Expand', [g.node('Reshape', [x.name, dg.ints(withUnit)]), dg.ints(expanded)]),
    dg.ints(shape),
  ]);
  return dg.record([x], { name, shape }, (dy) => [
    g.node('ReduceSum', [g.node('Reshape', [dy, dg.ints(expanded)]), dg.ints(blockAxes)], {
      keepdims: 0,
    }),
  ]);
}
