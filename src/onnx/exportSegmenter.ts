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
export const EXPORTER_VERSION = '1';

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

class SegmenterGraph {
  readonly g = new GraphBuilder();
  private readonly flat: boolean;

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
      const sd = stridesInDepth(this.config) ? s : 1;
      return this.convNode(x, c.name, weight, bias, [t, k, k], [sd, s, s], [pd, p, p], [d, d, d]);
    }
    // ACS: a 1x1 kernel is the same 1x1x1 convolution in every group, so it stays one Conv.
    const acsWeight = { shape: [cout, cin, 1, k, k], data: weight.data };
    if (k === 1)
      return this.convNode(x, c.name, acsWeight, bias, [1, 1, 1], [s, s, s], [0, 0, 0], [1, 1, 1]);
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
    return outputs.length === 1 ? outputs[0] : this.g.node('Concat', outputs, { axis: 1 });
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

  private upsample(x: string, f: number): string {
    const depth = stridesInDepth(this.config) ? f : 1;
    const scales = this.flat ? [1, 1, f, f] : [1, 1, depth, f, f];
    const name = `scales_${scales.join('_')}`;
    if (!this.g.initializers.some((t) => t.name === name))
      this.g.constant(name, [scales.length], Float32Array.from(scales));
    // PyTorch's 'nearest' for integer factors: output index i reads input floor(i / f).
    return this.g.node('Resize', [x, '', name], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
  }

  /** The network on channels-first tensors: logits at the input's resolution. */
  network(x: string): string {
    const rank = this.flat ? 2 : 3;
    // without depth strides the 3d pool is 1x3x3: in-plane, as the 2D network's
    const inDepth = stridesInDepth(this.config);
    const pool = (size: number, depthSize: number) =>
      Array.from({ length: rank }, (_, a) =>
        rank === 3 && a === 0 && !inDepth ? depthSize : size,
      );
    const ops: SegmenterOps<string> = {
      conv: (input, c, bn) => this.conv(input, c, bn),
      relu: (input) => this.g.node('Relu', [input]),
      add: (a, b) => this.g.node('Add', [a, b]),
      maxPool: (input) =>
        this.g.node('MaxPool', [input], {
          kernel_shape: pool(3, 1),
          strides: pool(2, 1),
          pads: [...pool(1, 0), ...pool(1, 0)],
        }),
      upsample: (input, f) => this.upsample(input, f),
      concat: (a, b) => this.g.node('Concat', [a, b], { axis: 1 }),
    };
    return wireSegmenter(describe(this.config), ops, x);
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
  const softmax = (x: string, name?: string) => g.node('Softmax', [x], { axis: 1 }, name);
  let result: string;
  if (config.kind === '2d') {
    const { x, shape } = graph.foldDepth(INPUT_NAME);
    const logits = graph.network(x);
    result = graph.unfoldDepth(output === 'logits' ? logits : softmax(logits), shape, output);
  } else {
    const logits = graph.network(INPUT_NAME);
    result =
      output === 'logits' ? g.node('Identity', [logits], {}, output) : softmax(logits, output);
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
