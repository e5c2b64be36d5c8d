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
    const taps = volumeOf(kernel);
    // Flipping every kernel axis reverses the flat tap order: a MatMul with the exchange matrix.
    // Slice with negative steps copies value by value (0.28 s a step for layer4's kernels).
    const flipped =
      taps === 1
        ? transposed
        : dg.g.node('Reshape', [
            dg.g.node('MatMul', [
              dg.g.node('Reshape', [transposed, dg.ints([-1, taps])]),
              dg.exchangeMatrix(taps),
            ]),
            dg.ints([w.shape[1], w.shape[0], ...kernel]),
          ]);
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
 * The padded input [in, N, ...] split into its stride phases, [phases*in, N, ...frame/stride]:
 * phase (a, b, c) holds the frame's voxels at (s*i + a, s*j + b, s*k + c). A strided window of
 * the frame is then a plain (step 1) slice of one phase, which ONNX Runtime copies by contiguous
 * runs; with steps it copies value by value, which made the 3D stem's 343 windows 1.6 s of a step.
 */
function inputPhases(dg: DiffGraph, x: Value, geo: ConvGeometry): Value {
  const [n, cin, ...spatial] = x.shape;
  const s = geo.strides;
  // Padding to a multiple of the stride at the far end adds zeros that no window reaches.
  const frame = spatial.map((size, i) => Math.ceil((size + 2 * geo.pads[i]) / s[i]) * s[i]);
  const reduced = frame.map((f, i) => f / s[i]);
  const phases = volumeOf(s);
  const shape = [phases * cin, n, ...reduced];
  const key = `input-phases:${x.name}:${geo.pads.join(',')}:${s.join(',')}`;
  const name = dg.once(key, () => {
    const g = dg.g;
    const rank = x.shape.length;
    const before = geo.pads;
    const after = frame.map((f, i) => f - spatial[i] - before[i]);
    let t = g.node('Transpose', [x.name], { perm: swapFirstAxes(rank) });
    if ([...before, ...after].some((p) => p > 0))
      t = g.node('Pad', [t, dg.ints([0, 0, ...before, 0, 0, ...after])]);
    if (phases === 1) return t;
    const split = [cin, n, ...reduced.flatMap((r, i) => [r, s[i]])];
    const d = spatial.length;
    // [in, N, r0, s0, r1, s1, ...] -> [s0, s1, ..., in, N, r0, r1, ...]
    const perm = [
      ...Array.from({ length: d }, (_, i) => 3 + 2 * i),
      0,
      1,
      ...Array.from({ length: d }, (_, i) => 2 + 2 * i),
    ];
    const grouped = g.node('Transpose', [g.node('Reshape', [t, dg.ints(split)])], { perm });
    return g.node('Reshape', [grouped, dg.ints(shape)]);
  });
  return { name, shape };
}

/** The per-tap tensors stacked along axis 0 and viewed as one Gemm operand of `shape`. */
function stackTaps(dg: DiffGraph, parts: string[], shape: number[]): string {
  const stacked = parts.length === 1 ? parts[0] : dg.g.node('Concat', parts, { axis: 0 });
  return dg.g.node('Reshape', [stacked, dg.ints(shape)]);
}

/** A Gemm's [.., .., ..] result with one axis per tap, out and in, back to the kernel's layout. */
function kernelFromTaps(
  dg: DiffGraph,
  grad: string,
  byTap: number[],
  perm: number[],
  kernelShape: number[],
): string {
  const g = dg.g;
  const split = g.node('Reshape', [grad, dg.ints(byTap)]);
  return g.node('Reshape', [g.node('Transpose', [split], { perm }), dg.ints(kernelShape)]);
}

/**
 * Weight gradient as one Gemm over the windows of the input that each tap saw:
 * dW[o, i, t] = sum over (n, p) of dy[n, o, p] * x[n, i, p*s + t*d - pad]. The windows are slices
 * of the input's stride phases, stacked along the Gemm's N axis ([taps*in, N*P]); dy^T is
 * [out, N*P]. Cheap where the input has few channels or few positions (the stems, the strided
 * convolutions).
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
  const phases = inputPhases(dg, x, geo);
  const axes = dg.ints([0, ...kernel.map((_, i) => i + 2)]);
  const windows = Array.from({ length: taps }, (_, t) => {
    const offset = tapOffset(t, kernel).map((o, i) => o * geo.dilations[i]);
    const phase = offset.reduce((acc, o, i) => acc * geo.strides[i] + (o % geo.strides[i]), 0);
    const starts = offset.map((o, i) => Math.floor(o / geo.strides[i]));
    return g.node('Slice', [
      phases.name,
      dg.ints([phase * cin, ...starts]),
      dg.ints([(phase + 1) * cin, ...starts.map((st, i) => st + outSpatial[i])]),
      axes,
    ]);
  });
  const grad = g.node('Gemm', [dyT, stackTaps(dg, windows, [taps * cin, positions])], {
    transB: 1,
  });
  return kernelFromTaps(dg, grad, [cout, taps, cin], [0, 2, 1], w.shape);
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
  const frameFlat = g.node('Reshape', [frame.name, dg.ints([cin, frameVolume])]);
  const a = stackTaps(dg, placed, [taps * cout, frameVolume]);
  const grad = g.node('Gemm', [a, frameFlat], { transB: 1 });
  return kernelFromTaps(dg, grad, [taps, cout, cin], [1, 2, 0], w.shape);
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
