import { nonChannelAxes, volumeOf, type DiffGraph, type Value } from '../DiffGraph';

/** A convolution's geometry per spatial axis; padding is symmetric (the segmenter's always is). */
export interface ConvGeometry {
  strides: number[];
  pads: number[];
  dilations: number[];
}

function outputSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function swapFirstAxes(rank: number): number[] {
  return [1, 0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
}

/**
 * Input gradient. Stride 1: a convolution of dy with the kernel transposed (in <-> out) and
 * flipped, padded by d*(k-1)-p; the measurement had it 3x faster than MLAS's
 * ConvTranspose. Strided: ConvTranspose, with the output padding that restores the input size.
 */
function inputGradient(dg: DiffGraph, dy: string, w: Value, x: Value, geo: ConvGeometry): string {
  const kernel = w.shape.slice(2);
  const rank = w.shape.length;
  if (geo.strides.every((s) => s === 1)) {
    const transposed = dg.g.node('Transpose', [w.name], { perm: swapFirstAxes(rank) });
    const axes = kernel.map((_, i) => i + 2).filter((a) => w.shape[a] > 1);
    const flipped = axes.length
      ? dg.g.node('Slice', [
          transposed,
          dg.ints(axes.map(() => -1)),
          dg.ints(axes.map((a) => -w.shape[a] - 1)),
          dg.ints(axes),
          dg.ints(axes.map(() => -1)),
        ])
      : transposed;
    const pads = kernel.map((k, i) => geo.dilations[i] * (k - 1) - geo.pads[i]);
    return dg.g.node('Conv', [dy, flipped], {
      kernel_shape: kernel,
      strides: kernel.map(() => 1),
      pads: [...pads, ...pads],
      dilations: geo.dilations,
    });
  }
  const spatial = x.shape.slice(2);
  const outputPadding = spatial.map((size, i) => {
    const out = outputSize(size, kernel[i], geo.strides[i], geo.pads[i], geo.dilations[i]);
    const restored =
      (out - 1) * geo.strides[i] - 2 * geo.pads[i] + geo.dilations[i] * (kernel[i] - 1) + 1;
    return size - restored;
  });
  return dg.g.node('ConvTranspose', [dy, w.name], {
    kernel_shape: kernel,
    strides: geo.strides,
    pads: [...geo.pads, ...geo.pads],
    dilations: geo.dilations,
    output_padding: outputPadding,
  });
}

/** [in, N, spatial...] with `pads` on both sides of every spatial axis, made once per input. */
function paddedTransposedInput(dg: DiffGraph, x: Value, pads: number[]): Value {
  const rank = x.shape.length;
  const [n, cin, ...spatial] = x.shape;
  const shape = [cin, n, ...spatial.map((size, i) => size + 2 * pads[i])];
  const name = dg.once(`input-frame:${x.name}:${pads.join(',')}`, () => {
    const t = dg.g.node('Transpose', [x.name], { perm: swapFirstAxes(rank) });
    return pads.some((p) => p > 0)
      ? dg.g.node('Pad', [t, dg.ints([0, 0, ...pads, 0, 0, ...pads])])
      : t;
  });
  return { name, shape };
}

/** The kernel offset of tap t (row-major over the kernel's axes). */
function tapOffset(t: number, kernel: number[]): number[] {
  const offset = Array<number>(kernel.length);
  let rest = t;
  for (let i = kernel.length - 1; i >= 0; i--) {
    offset[i] = rest % kernel[i];
    rest = Math.floor(rest / kernel[i]);
  }
  return offset;
}

/**
 * Weight gradient as one Gemm over the windows of the input that each tap saw:
 * dW[o, i, t] = sum over (n, p) of dy[n, o, p] * x[n, i, p*s + t*d - pad]. The windows are strided
 * slices of the padded input, stacked along the Gemm's N axis ([taps*in, N*P]); dy^T is [out, N*P].
 * Cheap where the input has few channels or few positions (the stems, the strided convolutions).
 */
function weightGradientByInputWindows(
  dg: DiffGraph,
  dyT: string,
  dyShape: number[],
  x: Value,
  w: Value,
  geo: ConvGeometry,
): string {
  const g = dg.g;
  const [cout, cin] = w.shape;
  const kernel = w.shape.slice(2);
  const taps = volumeOf(kernel);
  const outSpatial = dyShape.slice(2);
  const positions = volumeOf(dyShape) / cout;
  const frame = paddedTransposedInput(dg, x, geo.pads);
  const axes = dg.ints(kernel.map((_, i) => i + 2));
  const steps = dg.ints(geo.strides);
  const windows = Array.from({ length: taps }, (_, t) => {
    const starts = tapOffset(t, kernel).map((o, i) => o * geo.dilations[i]);
    const ends = starts.map((s, i) => s + geo.strides[i] * (outSpatial[i] - 1) + 1);
    return g.node('Slice', [frame.name, dg.ints(starts), dg.ints(ends), axes, steps]);
  });
  const stacked = windows.length === 1 ? windows[0] : g.node('Concat', windows, { axis: 0 });
  const b = g.node('Reshape', [stacked, dg.ints([taps * cin, positions])]);
  const grad = g.node('Gemm', [dyT, b], { transB: 1 });
  const byTap = g.node('Reshape', [grad, dg.ints([cout, taps, cin])]);
  return g.node('Reshape', [g.node('Transpose', [byTap], { perm: [0, 2, 1] }), dg.ints(w.shape)]);
}

/**
 * Weight gradient for a stride-1 convolution as one Gemm with dy shifted instead of x:
 * dW[o, i, t] = sum over q of dy_t[o, q] * x_pad[i, q], q running over the padded input (the
 * frame) and dy_t being dy placed at tap t's offset in that frame, zero elsewhere. The frame is
 * shared by every convolution reading the same input (ACS's three groups), and dy has fewer
 * channels than x where this form is chosen, so the copies are the small ones.
 */
function weightGradientByShiftedOutput(
  dg: DiffGraph,
  dyT5: string,
  dyShape: number[],
  x: Value,
  w: Value,
  geo: ConvGeometry,
  framePad: number,
): string {
  const g = dg.g;
  const [cout, cin] = w.shape;
  const kernel = w.shape.slice(2);
  const taps = volumeOf(kernel);
  const spatial = x.shape.slice(2);
  const outSpatial = dyShape.slice(2);
  const frame = paddedTransposedInput(
    dg,
    x,
    spatial.map(() => framePad),
  );
  const frameVolume = volumeOf(frame.shape) / cin;
  const placed = Array.from({ length: taps }, (_, t) => {
    const before = tapOffset(t, kernel).map(
      (o, i) => o * geo.dilations[i] + framePad - geo.pads[i],
    );
    const after = before.map((b, i) => spatial[i] + 2 * framePad - b - outSpatial[i]);
    return g.node('Pad', [dyT5, dg.ints([0, 0, ...before, 0, 0, ...after])]);
  });
  const stacked = placed.length === 1 ? placed[0] : g.node('Concat', placed, { axis: 0 });
  const a = g.node('Reshape', [stacked, dg.ints([taps * cout, frameVolume])]);
  const frameFlat = g.node('Reshape', [frame.name, dg.ints([cin, frameVolume])]);
  const grad = g.node('Gemm', [a, frameFlat], { transB: 1 });
  const byTap = g.node('Reshape', [grad, dg.ints([taps, cout, cin])]);
  return g.node('Reshape', [g.node('Transpose', [byTap], { perm: [1, 2, 0] }), dg.ints(w.shape)]);
}

/**
 * The weight gradient, in whichever of the two Gemm forms copies less. (Written first as one
 * convolution with batch and channels swapped, dy as its kernel: MLAS ran that at a small
 * fraction of its forward speed, 3.1 s of a 5.6 s ACS step.)
 */
function weightGradient(
  dg: DiffGraph,
  dy: string,
  dyShape: number[],
  x: Value,
  w: Value,
  geo: ConvGeometry,
  framePad: number,
): string {
  const g = dg.g;
  const rank = x.shape.length;
  const [cout, cin] = w.shape;
  const dyT5 = g.node('Transpose', [dy], { perm: swapFirstAxes(rank) });
  const taps = volumeOf(w.shape.slice(2));
  if (geo.strides.every((s) => s === 1) && taps > 1 && cout < cin)
    return weightGradientByShiftedOutput(dg, dyT5, dyShape, x, w, geo, framePad);
  const dyT = g.node('Reshape', [dyT5, dg.ints([cout, volumeOf(dyShape) / cout])]);
  return weightGradientByInputWindows(dg, dyT, dyShape, x, w, geo);
}

/** Conv (N-D, one group) with an optional bias, and its backward rule. */
export function conv(
  dg: DiffGraph,
  x: Value,
  w: Value,
  bias: Value | undefined,
  geo: ConvGeometry,
  /** Padding of the input frame shared by convolutions of the same input (ACS's groups). */
  framePad = Math.max(...geo.pads),
): Value {
  const kernel = w.shape.slice(2);
  const spatial = x.shape
    .slice(2)
    .map((size, i) => outputSize(size, kernel[i], geo.strides[i], geo.pads[i], geo.dilations[i]));
  const shape = [x.shape[0], w.shape[0], ...spatial];
  const name = dg.g.node('Conv', bias ? [x.name, w.name, bias.name] : [x.name, w.name], {
    kernel_shape: kernel,
    strides: geo.strides,
    pads: [...geo.pads, ...geo.pads],
    dilations: geo.dilations,
  });
  const inputs = bias ? [x, w, bias] : [x, w];
  return dg.record(inputs, { name, shape }, (dy, wanted) => [
    wanted[0] ? inputGradient(dg, dy, w, x, geo) : undefined,
    wanted[1] ? weightGradient(dg, dy, shape, x, w, geo, framePad) : undefined,
    wanted[2]
      ? dg.g.node('ReduceSum', [dy, dg.ints(nonChannelAxes(shape.length))], { keepdims: 0 })
      : undefined,
  ]);
}
