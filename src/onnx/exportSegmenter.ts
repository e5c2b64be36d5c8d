import {
  describe,
  kernelDepth,
  parameterShapes,
  stridesInDepth,
  type ConvDef,
  type SegmenterConfig,
} from '../nn/architecture';
import { acsSplit } from '../nn/convert/acsSplit';
import { BN_EPS } from '../nn/layers/batchNorm';
import type { HostTensor, StateDict } from '../nn/weights/hostTensor';
import { ignorableTorchvisionTensor, matchStateDict } from '../nn/weights/matchStateDict';
import { wireSegmenter, type SegmenterOps } from '../nn/wiring';
import { GraphBuilder, tensorInfo } from './graphBuilder';
import { encodeModel, type Model } from './schema';

/** Opset 13: Softmax over one axis and Resize without a roi; every runtime and checker has it. */
export const OPSET = 13;
/** The IR version that goes with opset 13 (ONNX 1.8 and later read it). */
export const IR_VERSION = 7;
export const INPUT_NAME = 'input';
export const OUTPUT_NAMES = { probabilities: 'probabilities', logits: 'logits' } as const;
/** Bumped whenever the graph the exporter writes changes, so that cached graphs are rebuilt. */
export const EXPORTER_VERSION = '2';

export interface OnnxExportOptions {
  /** Softmax probabilities (what the engine runs) or the raw logits. */
  output?: keyof typeof OUTPUT_NAMES;
  /** Name of the graph (the model's name). */
  name?: string;
  /** Extra metadata_props, e.g. the model card as JSON. */
  metadata?: Record<string, string>;
}

/** A conv's kernel and bias with the following batch norm (eval mode) folded in, PyTorch layout. */
interface Folded {
  weight: HostTensor;
  bias: Float32Array;
}

function tensor(weights: StateDict, name: string): HostTensor {
  const t = weights.get(name);
  if (!t) throw new Error(`onnx export: no tensor ${name}`);
  return t;
}

/**
 * BN(conv(x)) = conv'(x) + b' with W' = W * g / sqrt(v + eps) per output channel and
 * b' = beta - mean * g / sqrt(v + eps) (plus the conv's own bias, scaled). In float64, rounded once.
 */
function fold(weights: StateDict, c: ConvDef, bn?: string): Folded {
  const w = tensor(weights, `${c.name}.weight`);
  const own = c.bias ? tensor(weights, `${c.name}.bias`).data : new Float32Array(c.cout);
  if (!bn) return { weight: w, bias: Float32Array.from(own) };
  const gamma = tensor(weights, `${bn}.weight`).data;
  const beta = tensor(weights, `${bn}.bias`).data;
  const mean = tensor(weights, `${bn}.running_mean`).data;
  const variance = tensor(weights, `${bn}.running_var`).data;
  const perOut = w.data.length / c.cout;
  const data = new Float32Array(w.data.length);
  const bias = new Float32Array(c.cout);
  for (let o = 0; o < c.cout; o++) {
    const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
    for (let i = 0; i < perOut; i++) data[o * perOut + i] = w.data[o * perOut + i] * scale;
    bias[o] = beta[o] + (own[o] - mean[o]) * scale;
  }
  return { weight: { shape: w.shape, data }, bias };
}

/** ACS's three planes: where each group's 2D kernel lies in (depth, height, width). */
const ACS_PLANES = [0, 1, 2] as const;

/**
 * Stride-1 convolutions with at most this many output channels run by taps (`byTaps`): the
 * decoder's last stage (16 channels; 5 or 6 an ACS group) spent a quarter of the forward pass in
 * MLAS's im2col GEMM with that few rows.
 */
const BY_TAPS_MAX_OUT = 16;

/** Part of a convolution's output channels with its own kernel (an ACS group, or all of a 3D conv). */
interface TapPart {
  size: number;
  /** Kernel extent, padding and dilation on (D, H, W). */
  kernel: number[];
  pads: number[];
  dilations: number[];
  /** [size, cin, kd, kh, kw] and [size]. */
  weight: Float32Array;
  bias: Float32Array;
}

class SegmenterGraph {
  readonly g = new GraphBuilder();
  private readonly flat: boolean;
  /** ACS convolutions' Concat outputs: their groups and the Concat node's index. */
  private readonly groups = new Map<string, { outputs: string[]; nodes: number }>();

  constructor(
    private readonly config: SegmenterConfig,
    private readonly weights: StateDict,
  ) {
    this.flat = config.kind === '2d';
  }

  private conv(x: string, c: ConvDef, bn?: string): string {
    const { weight, bias } = fold(this.weights, c, bn);
    const { stride: s, pad: p, dilation: d, k } = c;
    const [cout, cin] = weight.shape;
    if (this.flat) {
      return this.convNode(x, c.name, weight, bias, [k, k], [s, s], [p, p], [d, d]);
    }
    if (this.config.kind === '3d') {
      const t = kernelDepth(this.config, c);
      const pd = (d * (t - 1)) / 2;
      if (s === 1 && k > 1 && cout <= BY_TAPS_MAX_OUT) {
        const part = { size: cout, kernel: [t, k, k], pads: [pd, p, p], dilations: [d, d, d] };
        return this.byTaps(x, c.name, cin, [{ ...part, weight: weight.data, bias }])[0];
      }
      const sd = stridesInDepth(this.config) ? s : 1;
      return this.convNode(x, c.name, weight, bias, [t, k, k], [sd, s, s], [pd, p, p], [d, d, d]);
    }
    // ACS: a 1x1 kernel is the same 1x1x1 convolution in every group, so it stays one Conv.
    const acsWeight = { shape: [cout, cin, 1, k, k], data: weight.data };
    if (k === 1)
      return this.convNode(x, c.name, acsWeight, bias, [1, 1, 1], [s, s, s], [0, 0, 0], [1, 1, 1]);
    const outputs =
      s === 1 && cout <= BY_TAPS_MAX_OUT
        ? this.byTaps(x, c.name, cin, this.acsParts(c, weight, bias))
        : this.acsByGroups(x, c, weight, bias);
    if (outputs.length === 1) return outputs[0];
    const y = this.g.node('Concat', outputs, { axis: 1 });
    this.groups.set(y, { outputs, nodes: this.g.nodes.length - 1 });
    return y;
  }

  /** An ACS convolution's groups as kernels over (D, H, W): (1,k,k), (k,1,k), (k,k,1). */
  private acsParts(c: ConvDef, weight: HostTensor, bias: Float32Array): TapPart[] {
    const { pad: p, dilation: d, k } = c;
    const cin = weight.shape[1];
    const sizes = acsSplit(c.cout);
    const perOut = cin * k * k;
    const parts: TapPart[] = [];
    let from = 0;
    for (const plane of ACS_PLANES) {
      const size = sizes[plane];
      if (size > 0)
        parts.push({
          size,
          kernel: [k, k, k].map((v, a) => (a === plane ? 1 : v)),
          pads: [p, p, p].map((v, a) => (a === plane ? 0 : v)),
          dilations: [d, d, d].map((v, a) => (a === plane ? 1 : v)),
          weight: weight.data.subarray(from * perOut, (from + size) * perOut),
          bias: bias.subarray(from, from + size),
        });
      from += size;
    }
    return parts;
  }

  /**
   * Stride-1 convolutions with few output channels, by taps: one 1x1x1 Conv of the zero-padded
   * input with every tap of every part's kernel stacked as output channels (a plain GEMM with as
   * many times the rows as there are taps, no im2col), then each part's taps summed over shifted
   * windows. With 5 to 16 output channels MLAS's im2col GEMM is starved for rows; this is not.
   * Returns each part's output.
   */
  private byTaps(x: string, name: string, cin: number, parts: TapPart[]): string[] {
    const padding = [0, 1, 2].map((a) => Math.max(...parts.map((t) => t.pads[a])));
    const rows: number[] = [];
    let total = 0;
    for (const part of parts) {
      rows.push(total);
      total += part.size * part.kernel.reduce((u, v) => u * v);
    }
    const stacked = new Float32Array(total * cin);
    const stackedBias = new Float32Array(total);
    // Each part's taps: the first stacked row and where its window starts in the padded input.
    const windows = parts.map((part, n) => {
      const [kd, kh, kw] = part.kernel;
      const taps = kd * kh * kw;
      const centre = (taps - 1) / 2;
      return Array.from({ length: taps }, (_, tap) => {
        const row = rows[n] + tap * part.size;
        for (let o = 0; o < part.size; o++) {
          for (let ci = 0; ci < cin; ci++)
            stacked[(row + o) * cin + ci] = part.weight[(o * cin + ci) * taps + tap];
          if (tap === centre) stackedBias[row + o] = part.bias[o];
        }
        const at = [Math.floor(tap / (kh * kw)), Math.floor(tap / kw) % kh, tap % kw];
        return { row, start: at.map((t, a) => padding[a] - part.pads[a] + t * part.dilations[a]) };
      });
    });
    const padded = this.g.node('Pad', [
      x,
      this.g.ints(`${name}.pads`, [0, 0, ...padding, 0, 0, ...padding]),
    ]);
    const z = this.convNode(
      padded,
      `${name}.taps`,
      { shape: [total, cin], data: stacked },
      stackedBias,
      [1, 1, 1],
      [1, 1, 1],
      [0, 0, 0],
      [1, 1, 1],
    );
    return windows.map((taps, n) => {
      const size = parts[n].size;
      const slices = taps.map(({ row, start }, tap) => {
        // As large as the unpadded input: the window ends 2 * padding - start before the end.
        const end = start.map((v, a) =>
          v === 2 * padding[a] ? Number.MAX_SAFE_INTEGER : v - 2 * padding[a],
        );
        const id = `${name}.${n}.${tap}`;
        return this.g.node('Slice', [
          z,
          this.g.ints(`${id}.starts`, [row, ...start]),
          this.g.ints(`${id}.ends`, [row + size, ...end]),
          this.sliceAxes(),
        ]);
      });
      return this.g.node('Sum', slices);
    });
  }

  private sliceAxes(): string {
    const name = 'slice_axes_channels_d_h_w';
    return this.g.initializers.some((t) => t.name === name)
      ? name
      : this.g.ints(name, [1, 2, 3, 4]);
  }

  /** An ACS convolution as three Convs, one a group, with (1,k,k), (k,1,k), (k,k,1) kernels. */
  private acsByGroups(x: string, c: ConvDef, weight: HostTensor, bias: Float32Array): string[] {
    const { stride: s, pad: p, dilation: d, k } = c;
    const [cout, cin] = weight.shape;
    const sizes = acsSplit(cout);
    const perOut = cin * k * k;
    let from = 0;
    const outputs: string[] = [];
    for (const plane of ACS_PLANES) {
      const size = sizes[plane];
      if (size === 0) continue;
      // The group's 2D kernel with a unit axis where its plane has none: (1,k,k), (k,1,k), (k,k,1).
      const kernel = [k, k, k].map((v, a) => (a === plane ? 1 : v));
      const groupWeight = {
        shape: [size, cin, ...kernel],
        data: weight.data.subarray(from * perOut, (from + size) * perOut),
      };
      const groupBias = bias.subarray(from, from + size);
      const pads = [p, p, p].map((v, a) => (a === plane ? 0 : v));
      const dilations = [d, d, d].map((v, a) => (a === plane ? 1 : v));
      outputs.push(
        this.convNode(
          x,
          `${c.name}.${['axial', 'coronal', 'sagittal'][plane]}`,
          groupWeight,
          groupBias,
          kernel,
          [s, s, s],
          pads,
          dilations,
        ),
      );
      from += size;
    }
    return outputs;
  }

  private convNode(
    x: string,
    name: string,
    weight: HostTensor,
    bias: Float32Array,
    kernel: number[],
    strides: number[],
    pads: number[],
    dilations: number[],
  ): string {
    const [cout, cin] = weight.shape;
    const w = this.g.constant(`${name}.weight`, [cout, cin, ...kernel], weight.data);
    const b = this.g.constant(`${name}.bias`, [cout], bias);
    return this.g.node('Conv', [x, w, b], {
      kernel_shape: kernel,
      strides,
      pads: [...pads, ...pads],
      dilations,
    });
  }

  /**
   * ReLU of an ACS convolution that was just written goes into each group before the Concat
   * (elementwise, so the same values): ONNX Runtime then fuses it into each Conv instead of
   * running a pass of its own over the concatenated tensor.
   */
  private relu(x: string): string {
    const acs = this.groups.get(x);
    if (!acs || acs.nodes !== this.g.nodes.length - 1) return this.g.node('Relu', [x]);
    this.g.nodes.length = acs.nodes;
    const outputs = acs.outputs.map((o) => this.g.node('Relu', [o]));
    return this.g.node('Concat', outputs, { axis: 1 });
  }

  /**
   * Softmax over the channel axis as elementwise ops and reductions: ONNX Runtime's Softmax on a
   * middle axis transposes to the last axis and back.
   */
  softmax(x: string): string {
    const max = this.g.node('ReduceMax', [x], { axes: [1], keepdims: 1 });
    const e = this.g.node('Exp', [this.g.node('Sub', [x, max])]);
    const axis = this.g.initializers.some((t) => t.name === 'axis_1')
      ? 'axis_1'
      : this.g.ints('axis_1', [1]);
    return this.g.node('Div', [e, this.g.node('ReduceSum', [e, axis], { keepdims: 1 })]);
  }

  /**
   * Nearest upsampling by an integer factor (PyTorch's 'nearest': output index i reads input
   * floor(i / f)). In 4D (the 2d kind) as Resize, which ONNX Runtime runs in its NCHWc layout
   * between NCHWc convolutions; in 5D, where Resize is a generic loop, as Unsqueeze + Expand +
   * Reshape (measured faster: src/onnx/README.md).
   */
  upsample(x: string, f: number): string {
    const have = (n: string) => this.g.initializers.some((t) => t.name === n);
    if (this.flat) {
      const name = `scales_1_1_${f}_${f}`;
      if (!have(name)) this.g.constant(name, [4], Float32Array.from([1, 1, f, f]));
      return this.g.node('Resize', [x, '', name], {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      });
    }
    // [N, C, D, H, W] -> [N, C, D, 1, H, 1, W, 1] -> [N, C, D, f, H, f, W, f] -> [N, C, fD, fH, fW]
    // Without depth strides (a depth-stride-free 3d encoder) only the plane is upsampled.
    const fd = stridesInDepth(this.config) ? f : 1;
    const key = `up_${fd}_${f}`;
    if (!have(`${key}_axes`)) {
      this.g.ints(`${key}_axes`, [3, 5, 7]);
      this.g.ints(`${key}_expand`, [1, 1, 1, fd, 1, f, 1, f]);
      this.g.ints(`${key}_scale`, [1, 1, fd, f, f]);
    }
    const u = this.g.node('Unsqueeze', [x, `${key}_axes`]);
    const e = this.g.node('Expand', [u, `${key}_expand`]);
    const shape = this.g.node('Mul', [this.g.node('Shape', [x]), `${key}_scale`]);
    return this.g.node('Reshape', [e, shape]);
  }

  /**
   * The network on channels-first tensors without its last upsampling: the head's logits and the
   * factor they still need to reach the input's resolution.
   * Softmax over the classes commutes with nearest upsampling, so it can run on the smaller tensor.
   */
  networkBeforeUpsample(x: string): { logits: string; factor: number } {
    const upsampled = new Map<string, { input: string; factor: number; nodes: number }>();
    const rank = this.flat ? 2 : 3;
    // without depth strides the 3d pool is 1x3x3: in-plane, as the 2D network's
    const inDepth = stridesInDepth(this.config);
    const pool = (size: number, depthSize: number) =>
      Array.from({ length: rank }, (_, a) =>
        rank === 3 && a === 0 && !inDepth ? depthSize : size,
      );
    const ops: SegmenterOps<string> = {
      conv: (input, c, bn) => this.conv(input, c, bn),
      relu: (input) => this.relu(input),
      add: (a, b) => this.g.node('Add', [a, b]),
      maxPool: (input) =>
        this.g.node('MaxPool', [input], {
          kernel_shape: pool(3, 1),
          strides: pool(2, 1),
          pads: [...pool(1, 0), ...pool(1, 0)],
        }),
      upsample: (input, f) => {
        const nodes = this.g.nodes.length;
        const out = this.upsample(input, f);
        upsampled.set(out, { input, factor: f, nodes });
        return out;
      },
      concat: (a, b) => this.g.node('Concat', [a, b], { axis: 1 }),
    };
    const y = wireSegmenter(describe(this.config), ops, x);
    const last = upsampled.get(y);
    if (!last) return { logits: y, factor: 1 };
    // The final upsampling's nodes are the last ones written: take them back.
    this.g.nodes.length = last.nodes;
    return { logits: last.input, factor: last.factor };
  }

  /** [N, C, D, H, W] -> [N*D, C, H, W]: the 2D network sees every slice as its own image. */
  foldDepth(input: string): { x: string; shape: string } {
    const t = this.g.node('Transpose', [input], { perm: [0, 2, 1, 3, 4] });
    const shape = this.g.node('Shape', [t]);
    const hw = this.g.node('Slice', [shape, this.g.ints('at_3', [3]), this.g.ints('at_5', [5])]);
    const target = this.g.node(
      'Concat',
      [this.g.ints('batch_and_channels', [-1, this.config.inChannels]), hw],
      { axis: 0 },
    );
    return { x: this.g.node('Reshape', [t, target]), shape };
  }

  /** [N*D, K, H, W] -> [N, K, D, H, W], N and D from the folded input's shape. */
  unfoldDepth(y: string, shape: string, output: string): string {
    const nd = this.g.node('Slice', [shape, this.g.ints('at_0', [0]), this.g.ints('at_2', [2])]);
    const khw = this.g.node('Slice', [
      this.g.node('Shape', [y]),
      this.g.ints('at_1', [1]),
      this.g.ints('at_4', [4]),
    ]);
    const target = this.g.node('Concat', [nd, khw], { axis: 0 });
    const unfolded = this.g.node('Reshape', [y, target]);
    return this.g.node('Transpose', [unfolded], { perm: [0, 2, 1, 3, 4] }, output);
  }
}

/**
 * The segmenter as an ONNX graph, from its configuration and its weights (PyTorch names and
 * layout, as `exportStateDict` or a weights file gives them): the same maths as the tfjs forward
 * pass (src/nn/segmenter.ts) with batch norm folded in (eval mode). Input `input`
 * [batch, channels, depth, height, width]; output `probabilities` (softmax over the classes) or
 * `logits`, [batch, classes, depth, height, width]. Batch and spatial sizes are dynamic; height and
 * width (and depth, except for 2d) must be multiples of the encoder's output stride.
 */
export function exportSegmenterOnnx(
  config: SegmenterConfig,
  weights: StateDict,
  options: OnnxExportOptions = {},
): Uint8Array {
  matchStateDict(parameterShapes(config), weights, {
    required: () => true,
    // A torchvision checkpoint's classifier and batch counters have no place in the segmenter.
    ignore: ignorableTorchvisionTensor,
    source: 'the weights to export',
  });
  const output = OUTPUT_NAMES[options.output ?? 'probabilities'];
  const graph = new SegmenterGraph(config, weights);
  const g = graph.g;
  const head = (x: string) => {
    const { logits, factor } = graph.networkBeforeUpsample(x);
    const y = output === 'logits' ? logits : graph.softmax(logits);
    return factor > 1 ? graph.upsample(y, factor) : y;
  };
  let result: string;
  if (config.kind === '2d') {
    const { x, shape } = graph.foldDepth(INPUT_NAME);
    result = graph.unfoldDepth(head(x), shape, output);
  } else {
    result = g.node('Identity', [head(INPUT_NAME)], {}, output);
  }
  if (result !== output) throw new Error('onnx export: the output was not named');
  const model: Model = {
    ir_version: IR_VERSION,
    producer_name: 'acs-workstation',
    producer_version: EXPORTER_VERSION,
    doc_string: `${config.architecture} ${config.kind} segmenter; input [batch, channels, depth, height, width]`,
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.name ?? `${config.architecture}-${config.kind}`,
      node: g.nodes,
      initializer: g.initializers,
      input: [tensorInfo(INPUT_NAME, ['batch', config.inChannels, 'depth', 'height', 'width'])],
      output: [tensorInfo(output, ['batch', config.numClasses, 'depth', 'height', 'width'])],
    },
  };
  return encodeModel(model);
}

/**
 * The smallest graph (y = Relu(x) on a [1] tensor): loading it proves that a runtime and an
 * execution provider work before any model is exported.
 */
export function probeGraph(): Uint8Array {
  const g = new GraphBuilder();
  g.node('Relu', ['x'], {}, 'y');
  return encodeModel({
    ir_version: IR_VERSION,
    producer_name: 'acs-workstation',
    producer_version: EXPORTER_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: [],
    graph: {
      name: 'probe',
      node: g.nodes,
      initializer: [],
      input: [tensorInfo('x', [1])],
      output: [tensorInfo('y', [1])],
    },
  });
}
