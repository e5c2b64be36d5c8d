import type { GraphBuilder } from './graphBuilder';

/**
 * A tensor of the depth-folded graph: [N * D', C, H', W'] (every slice its own image), with
 * D' = D / depth and H', W' = H / plane, W / plane for the input's D, H, W. ONNX Runtime runs 4D
 * convolutions and pooling in MLAS's NCHWc kernels and 5D ones through im2col + GEMM: one 3x3x3
 * convolution of the encoder ran 30% faster as a 2D convolution with its depth taps folded out.
 */
export interface Folded {
  x: string;
  channels: number;
  depth: number;
  plane: number;
}

/**
 * Output channels of a convolution that share one kernel shape: a group of ACS, or all of a 3D or
 * 2D convolution. Its kernel over (depth, height, width) is [depthTaps, kh, kw].
 */
export interface ConvPart {
  size: number;
  depthTaps: number;
  depthPad: number;
  depthDilation: number;
  kernel: [number, number];
  pads: [number, number];
  dilations: [number, number];
  /** [size, cin, depthTaps, kh, kw], PyTorch's layout. */
  weight: Float32Array;
  bias: Float32Array;
}

/**
 * Below MLAS's NCHWc block (16 channels with AVX-512), a 2D convolution reads its NCHW input
 * directly: inputs that thin (the stem's 3 channels) get their depth taps stacked as channels, in
 * chunks that stay under the block, instead of stacking the taps as output rows.
 */
const THIN_INPUT = 15;

const END = Number.MAX_SAFE_INTEGER;

/** A Slice end `r` elements before the end of the axis (the axis' end for 0). */
function endBefore(r: number): number {
  return r > 0 ? -r : END;
}

/** Where a depth tap reads: output depth d takes input depth stride * (d + offset) + phase. */
function tapPlace(tap: number, part: ConvPart, stride: number): { phase: number; offset: number } {
  const at = tap * part.depthDilation - part.depthPad;
  const phase = ((at % stride) + stride) % stride;
  return { phase, offset: (at - phase) / stride };
}

/**
 * The depth-folded formulation's building blocks: a 3D convolution as 2D convolutions over the
 * slices plus sums of depth-shifted slices, depth strides as phases (every other slice), pooling
 * and upsampling split into their in-plane and depth parts. Sizes are symbolic: the reshapes'
 * targets come from the graph input's shape [N, C, D, H, W].
 */
export class DepthFolding {
  private dims?: string;
  private readonly targets = new Map<string, string>();
  private readonly stacks = new Map<string, string>();
  private count = 0;

  constructor(
    private readonly g: GraphBuilder,
    private readonly input: string,
  ) {}

  /**
   * Everything written from now on (nodes, initializers, cached shapes) can be taken back: the
   * exporter takes back the last upsampling, to run the softmax before it.
   */
  checkpoint(): () => void {
    const nodes = this.g.nodes.length;
    const initializers = this.g.initializers.length;
    const cached = [this.targets, this.stacks].map((m) => m.size);
    const dims = this.dims;
    return () => {
      this.g.nodes.length = nodes;
      this.g.initializers.length = initializers;
      [this.targets, this.stacks].forEach((m, i) =>
        [...m.keys()].slice(cached[i]).forEach((k) => m.delete(k)),
      );
      this.dims = dims;
    };
  }

  private id(prefix: string): string {
    return `depth_folding.${prefix}.${this.count++}`;
  }

  /**
   * A shape tensor from constants and symbolic pieces: 'N', 'D' (D'), 'H', 'W' (H', W').
   * Cached, so that convolutions of one shape share it.
   */
  private target(pieces: (number | 'N' | 'D' | 'H' | 'W')[], depth: number, plane: number): string {
    const key = `${pieces.join(',')}|${depth}|${plane}`;
    const have = this.targets.get(key);
    if (have) return have;
    this.dims ??= this.g.node('Shape', [this.input]);
    const dims = this.dims;
    const dim = (p: 'N' | 'D' | 'H' | 'W'): string => {
      const k = `dim ${p}|${p === 'D' ? depth : p === 'N' ? 1 : plane}`;
      const cached = this.targets.get(k);
      if (cached) return cached;
      const at = { N: 0, D: 2, H: 3, W: 4 }[p];
      let v = this.g.node('Slice', [
        dims,
        this.g.ints(this.id('at'), [at]),
        this.g.ints(this.id('at'), [at + 1]),
      ]);
      const divisor = p === 'N' ? 1 : p === 'D' ? depth : plane;
      if (divisor !== 1) v = this.g.node('Div', [v, this.g.ints(this.id('divisor'), [divisor])]);
      this.targets.set(k, v);
      return v;
    };
    // Runs of constants become one initializer each.
    const parts: string[] = [];
    let run: number[] = [];
    for (const p of pieces) {
      if (typeof p === 'number') {
        run.push(p);
        continue;
      }
      if (run.length) parts.push(this.g.ints(this.id('shape'), run));
      run = [];
      parts.push(dim(p));
    }
    if (run.length) parts.push(this.g.ints(this.id('shape'), run));
    const t = this.g.node('Concat', parts, { axis: 0 });
    this.targets.set(key, t);
    return t;
  }

  private reshape(x: string, pieces: (number | 'N' | 'D' | 'H' | 'W')[], f: Folded): string {
    return this.g.node('Reshape', [x, this.target(pieces, f.depth, f.plane)]);
  }

  /** [N, C, D, H, W] -> [N*D, C, H, W]. */
  fold(x5: string, channels: number): Folded {
    const f = { x: '', channels, depth: 1, plane: 1 };
    const t = this.g.node('Transpose', [x5], { perm: [0, 2, 1, 3, 4] });
    return { ...f, x: this.reshape(t, [-1, channels, 'H', 'W'], f) };
  }

  /** [N*D', C, H', W'] -> [N, C, D', H', W']. */
  unfold(f: Folded, output?: string): string {
    const t = this.reshape(f.x, ['N', 'D', f.channels, 'H', 'W'], f);
    return this.g.node('Transpose', [t], { perm: [0, 2, 1, 3, 4] }, output);
  }

  /** Every stride-th slice from `phase` on: the input of a depth-strided convolution's taps. */
  private phase(f: Folded, stride: number, phase: number): string {
    if (stride === 1) return f.x;
    const t = this.reshape(f.x, ['N', 'D', f.channels, 'H', 'W'], f);
    const s = this.g.node('Slice', [
      t,
      this.g.ints(this.id('start'), [phase]),
      this.g.ints(this.id('end'), [END]),
      this.g.ints(this.id('axes'), [1]),
      this.g.ints(this.id('steps'), [stride]),
    ]);
    return this.reshape(s, [-1, f.channels, 'H', 'W'], { ...f, depth: f.depth * stride });
  }

  private conv2d(
    x: string,
    name: string,
    weight: Float32Array,
    bias: Float32Array,
    rows: number,
    cin: number,
    part: ConvPart,
    stride: number,
  ): string {
    const w = this.g.constant(`${name}.weight`, [rows, cin, ...part.kernel], weight);
    const b = this.g.constant(`${name}.bias`, [rows], bias);
    return this.g.node('Conv', [x, w, b], {
      kernel_shape: part.kernel,
      strides: [stride, stride],
      pads: [...part.pads, ...part.pads],
      dilations: part.dilations,
    });
  }

  /**
   * A convolution's parts with in-plane stride `stride` and depth stride `depthStride` on the
   * folded input: each part's output, folded.
   */
  conv(x: Folded, name: string, parts: ConvPart[], stride: number, depthStride: number): Folded[] {
    const out = { depth: x.depth * depthStride, plane: x.plane * stride };
    return parts.map((part, n) => {
      const id = `${name}.${n}`;
      const y =
        part.depthTaps === 1 && part.depthPad === 0
          ? this.conv2d(
              this.phase(x, depthStride, 0),
              id,
              part.weight,
              part.bias,
              part.size,
              x.channels,
              part,
              stride,
            )
          : x.channels <= THIN_INPUT
            ? this.byInputTaps(x, id, part, stride, depthStride)
            : this.byOutputTaps(x, id, part, stride, depthStride);
      return { x: y, channels: part.size, ...out };
    });
  }

  /**
   * Depth taps stacked as output rows: per depth phase one 2D convolution whose output channels
   * are the phase's taps (tap-major), then the sum of each tap's rows shifted in depth.
   */
  private byOutputTaps(
    x: Folded,
    name: string,
    part: ConvPart,
    stride: number,
    depthStride: number,
  ): string {
    const cin = x.channels;
    const [kh, kw] = part.kernel;
    const plane = kh * kw;
    const places = Array.from({ length: part.depthTaps }, (_, t) => tapPlace(t, part, depthStride));
    const out: Folded = {
      x: '',
      channels: part.size,
      depth: x.depth * depthStride,
      plane: x.plane * stride,
    };
    const addends: string[] = [];
    for (let phase = 0; phase < depthStride; phase++) {
      const taps = places.flatMap((p, t) => (p.phase === phase ? [t] : []));
      if (!taps.length) continue;
      const rows = taps.length * part.size;
      const weight = new Float32Array(rows * cin * plane);
      const bias = new Float32Array(rows);
      taps.forEach((t, r) => {
        for (let o = 0; o < part.size; o++) {
          for (let ci = 0; ci < cin; ci++) {
            const from = ((o * cin + ci) * part.depthTaps + t) * plane;
            weight.set(
              part.weight.subarray(from, from + plane),
              ((r * part.size + o) * cin + ci) * plane,
            );
          }
          // The bias once, on the tap every output depth has: the centre (offset 0, phase 0).
          if (places[t].offset === 0 && phase === 0) bias[r * part.size + o] = part.bias[o];
        }
      });
      const z = this.conv2d(
        this.phase(x, depthStride, phase),
        `${name}.p${phase}`,
        weight,
        bias,
        rows,
        cin,
        part,
        stride,
      );
      const offsets = taps.map((t) => places[t].offset);
      if (taps.length === 1 && offsets[0] === 0) {
        addends.push(this.reshape(z, ['N', 'D', part.size, 'H', 'W'], out));
        continue;
      }
      const reach = Math.max(...offsets.map(Math.abs));
      let z5 = this.reshape(z, ['N', 'D', rows, 'H', 'W'], out);
      if (reach > 0)
        z5 = this.g.node('Pad', [
          z5,
          this.g.ints(this.id('pads'), [0, reach, 0, 0, 0, 0, reach, 0, 0, 0]),
        ]);
      offsets.forEach((o, r) => {
        addends.push(
          this.g.node('Slice', [
            z5,
            this.g.ints(this.id('start'), [reach + o, r * part.size]),
            this.g.ints(this.id('end'), [endBefore(reach - o), (r + 1) * part.size]),
            this.g.ints(this.id('axes'), [1, 2]),
          ]),
        );
      });
    }
    const sum = addends.length === 1 ? addends[0] : this.g.node('Sum', addends);
    return this.reshape(sum, [-1, part.size, 'H', 'W'], out);
  }

  /**
   * Depth taps stacked as input channels (for thin inputs: the stem), in chunks that MLAS reads
   * as NCHW directly, one 2D convolution a chunk, summed.
   */
  private byInputTaps(
    x: Folded,
    name: string,
    part: ConvPart,
    stride: number,
    depthStride: number,
  ): string {
    const cin = x.channels;
    const [kh, kw] = part.kernel;
    const plane = kh * kw;
    const perChunk = Math.max(1, Math.floor(THIN_INPUT / cin));
    let sum = '';
    for (let first = 0; first < part.depthTaps; first += perChunk) {
      const taps = Array.from(
        { length: Math.min(perChunk, part.depthTaps - first) },
        (_, i) => first + i,
      );
      const channels = taps.length * cin;
      const weight = new Float32Array(part.size * channels * plane);
      for (let o = 0; o < part.size; o++)
        taps.forEach((t, i) => {
          for (let ci = 0; ci < cin; ci++) {
            const from = ((o * cin + ci) * part.depthTaps + t) * plane;
            weight.set(
              part.weight.subarray(from, from + plane),
              (o * channels + i * cin + ci) * plane,
            );
          }
        });
      const bias = first === 0 ? part.bias : new Float32Array(part.size);
      const stacked = this.stackTaps(x, taps, part, depthStride);
      const y = this.conv2d(
        stacked,
        `${name}.t${first}`,
        weight,
        bias,
        part.size,
        channels,
        part,
        stride,
      );
      sum = sum ? this.g.node('Add', [sum, y]) : y;
    }
    return sum;
  }

  /** [N*D'/s, taps*C, H', W']: channel i*C + c of output depth d is x[s*d + tap_i*dil - pad, c]. */
  private stackTaps(x: Folded, taps: number[], part: ConvPart, depthStride: number): string {
    const key = `${x.x}|${taps.join(',')}|${part.depthPad}|${part.depthDilation}|${depthStride}`;
    const have = this.stacks.get(key);
    if (have) return have;
    const p = part.depthPad;
    const padded = this.g.node('Pad', [
      this.reshape(x.x, ['N', 'D', x.channels, 'H', 'W'], x),
      this.g.ints(this.id('pads'), [0, p, 0, 0, 0, 0, p, 0, 0, 0]),
    ]);
    // Tap t's slices start at t*dil in the padded depth and end where output depth D'/s - 1 reads.
    const slices = taps.map((t) => {
      const start = t * part.depthDilation;
      return this.g.node('Slice', [
        padded,
        this.g.ints(this.id('start'), [start]),
        this.g.ints(this.id('end'), [endBefore(2 * p - start + depthStride - 1)]),
        this.g.ints(this.id('axes'), [1]),
        this.g.ints(this.id('steps'), [depthStride]),
      ]);
    });
    const out = { ...x, depth: x.depth * depthStride };
    const c = slices.length === 1 ? slices[0] : this.g.node('Concat', slices, { axis: 2 });
    const stacked = this.reshape(c, [-1, taps.length * x.channels, 'H', 'W'], out);
    this.stacks.set(key, stacked);
    return stacked;
  }

  /** Max pooling 3x3(x3), stride 2, padding 1: in-plane as a 2D MaxPool, then over depth. */
  maxPool(f: Folded, inDepth: boolean): Folded {
    const plane = this.g.node('MaxPool', [f.x], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
    });
    const pooled = { ...f, x: plane, plane: f.plane * 2 };
    if (!inDepth) return pooled;
    // Depth as the height of a one-channel image [N, 1, D', C*H'*W']: a 3x1 pool, stride 2.
    const column = this.reshape(plane, ['N', 1, 'D', -1], pooled);
    const y = this.g.node('MaxPool', [column], {
      kernel_shape: [3, 1],
      strides: [2, 1],
      pads: [1, 0, 1, 0],
    });
    const out = { ...pooled, depth: f.depth * 2 };
    return { ...out, x: this.reshape(y, [-1, f.channels, 'H', 'W'], out) };
  }

  /**
   * Nearest upsampling by f in-plane (PyTorch's 'nearest': output index i reads input
   * floor(i / f)) as a 2D Resize, which ONNX Runtime runs in its NCHWc layout, and, when
   * `inDepth`, in depth by repeating whole slices (an Expand of contiguous [C, H, W] blocks).
   */
  upsample(f: Folded, factor: number, inDepth: boolean): Folded {
    const planar = { ...f, x: this.resize(f.x, factor), plane: f.plane / factor };
    return inDepth ? this.repeatDepth(planar, factor) : planar;
  }

  private resize(x: string, factor: number): string {
    const name = `depth_folding.scales.${factor}`;
    if (!this.g.initializers.some((t) => t.name === name))
      this.g.constant(name, [4], Float32Array.from([1, 1, factor, factor]));
    return this.g.node('Resize', [x, '', name], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
  }

  /** Each slice `factor` times: [N*D', C, H', W'] -> [N*D'*factor, C, H', W']. */
  private repeatDepth(f: Folded, factor: number): Folded {
    const u = this.reshape(f.x, [-1, 1, f.channels, 'H', 'W'], f);
    const e = this.g.node('Expand', [u, this.g.ints(this.id('expand'), [1, factor, 1, 1, 1])]);
    const out = { ...f, depth: f.depth / factor };
    return { ...out, x: this.reshape(e, [-1, f.channels, 'H', 'W'], out) };
  }

  /**
   * The network's output: [N*D', K, H', W'] upsampled by `factor` in-plane and D' back to D,
   * as [N, K, D, H, W]. In-plane first (Resize), then unfolded (Transpose), then each slice
   * repeated in depth (an Expand of contiguous [H, W] planes).
   */
  output(f: Folded, factor: number, output: string): string {
    const planar = factor > 1 ? { ...f, x: this.resize(f.x, factor), plane: f.plane / factor } : f;
    if (planar.depth === 1) return this.unfold(planar, output);
    const fd = planar.depth;
    const t = this.unfold(planar);
    const u = this.reshape(t, ['N', planar.channels, 'D', 1, 'H', 'W'], planar);
    const e = this.g.node('Expand', [u, this.g.ints(this.id('expand'), [1, 1, 1, fd, 1, 1])]);
    const whole = { ...planar, depth: 1 };
    return this.g.node(
      'Reshape',
      [e, this.target(['N', planar.channels, 'D', 'H', 'W'], 1, whole.plane)],
      {},
      output,
    );
  }
}
