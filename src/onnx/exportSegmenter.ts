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
import { DepthFolding, type ConvPart, type Folded } from './depthFolding';
import { GraphBuilder, tensorInfo } from './graphBuilder';
import { encodeModel, type Model } from './schema';

/** Opset 13: Softmax over one axis and Resize without a roi; every runtime and checker has it. */
export const OPSET = 13;
/** The IR version that goes with opset 13 (ONNX 1.8 and later read it). */
export const IR_VERSION = 7;
export const INPUT_NAME = 'input';
export const OUTPUT_NAMES = { probabilities: 'probabilities', logits: 'logits' } as const;
/** Bumped whenever the graph the exporter writes changes, so that cached graphs are rebuilt. */
export const EXPORTER_VERSION = '3';

export interface OnnxExportOptions {
  /** Softmax probabilities (what the engine runs) or the raw logits. */
  output?: keyof typeof OUTPUT_NAMES;
  /** Name of the graph (the model's name). */
  name?: string;
  /** Extra metadata_props, e.g. the model card as JSON. */
  metadata?: Record<string, string>;
}

/** A conv's kernel and bias with the following batch norm (eval mode) folded in, PyTorch layout. */
interface FoldedConv {
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
function fold(weights: StateDict, c: ConvDef, bn?: string): FoldedConv {
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
  readonly folding = new DepthFolding(this.g, INPUT_NAME);
  private readonly inDepth: boolean;
  /** ACS convolutions' Concat outputs: their groups and the Concat node's index. */
  private readonly groups = new Map<string, { outputs: string[]; nodes: number }>();

  constructor(
    private readonly config: SegmenterConfig,
    private readonly weights: StateDict,
  ) {
    this.inDepth = stridesInDepth(config);
  }

  private conv(x: Folded, c: ConvDef, bn?: string): Folded {
    const { weight, bias } = fold(this.weights, c, bn);
    const outputs = this.folding.conv(
      x,
      c.name,
      this.parts(c, weight.data, bias),
      c.stride,
      this.inDepth ? c.stride : 1,
    );
    if (outputs.length === 1) return outputs[0];
    const names = outputs.map((o) => o.x);
    const y = this.g.node('Concat', names, { axis: 1 });
    this.groups.set(y, { outputs: names, nodes: this.g.nodes.length - 1 });
    return { ...outputs[0], x: y, channels: c.cout };
  }

  /**
   * The convolution's kernel over (depth, height, width), by parts: one for 2d, 3d and 1x1
   * kernels; for ACS the three groups (split ceil-first: axial, coronal, sagittal), whose 2D
   * kernels lie as (1,k,k), (k,1,k), (k,k,1): in depth-folded form, a k x k kernel, or k depth
   * taps of a 1 x k or k x 1 one.
   */
  private parts(c: ConvDef, weight: Float32Array, bias: Float32Array): ConvPart[] {
    const { pad: p, dilation: d, k, cout } = c;
    const taps = kernelDepth(this.config, c);
    const whole: ConvPart = {
      size: cout,
      depthTaps: taps,
      depthPad: (d * (taps - 1)) / 2,
      depthDilation: d,
      kernel: [k, k],
      pads: [p, p],
      dilations: [d, d],
      weight,
      bias,
    };
    if (this.config.kind !== 'acs' || k === 1) return [whole];
    const sizes = acsSplit(cout);
    const perOut = weight.length / cout;
    const parts: ConvPart[] = [];
    let from = 0;
    for (const plane of ACS_PLANES) {
      const size = sizes[plane];
      const group = {
        size,
        weight: weight.subarray(from * perOut, (from + size) * perOut),
        bias: bias.subarray(from, from + size),
      };
      from += size;
      if (size === 0) continue;
      if (plane === 0) {
        parts.push({ ...whole, ...group, depthTaps: 1, depthPad: 0 });
        continue;
      }
      // The kernel's first axis is depth; the second is width (coronal) or height (sagittal).
      const coronal = plane === 1;
      parts.push({
        ...group,
        depthTaps: k,
        depthPad: p,
        depthDilation: d,
        kernel: coronal ? [1, k] : [k, 1],
        pads: coronal ? [0, p] : [p, 0],
        dilations: coronal ? [1, d] : [d, 1],
      });
    }
    return parts;
  }

  /**
   * ReLU of an ACS convolution that was just written goes into each group before the Concat
   * (elementwise, so the same values): ONNX Runtime then fuses it into each Conv instead of
   * running a pass of its own over the concatenated tensor.
   */
  private relu(x: Folded): Folded {
    const acs = this.groups.get(x.x);
    if (!acs || acs.nodes !== this.g.nodes.length - 1)
      return { ...x, x: this.g.node('Relu', [x.x]) };
    this.g.nodes.length = acs.nodes;
    const outputs = acs.outputs.map((o) => this.g.node('Relu', [o]));
    return { ...x, x: this.g.node('Concat', outputs, { axis: 1 }) };
  }

  /**
   * Softmax over the channel axis as elementwise ops and reductions: ONNX Runtime's Softmax on a
   * middle axis transposes to the last axis and back.
   */
  softmax(x: string): string {
    const max = this.g.node('ReduceMax', [x], { axes: [1], keepdims: 1 });
    const e = this.g.node('Exp', [this.g.node('Sub', [x, max])]);
    const axis = this.g.ints('axis_1', [1]);
    return this.g.node('Div', [e, this.g.node('ReduceSum', [e, axis], { keepdims: 1 })]);
  }

  /**
   * The network on the depth-folded input without its last upsampling: the head's logits and the
   * factor they still need to reach the input's resolution. Softmax over the classes commutes
   * with nearest upsampling, so it can run on the smaller tensor.
   */
  networkBeforeUpsample(x: Folded): { logits: Folded; factor: number } {
    const upsampled = new Map<string, { input: Folded; factor: number; undo: () => void }>();
    const ops: SegmenterOps<Folded> = {
      conv: (input, c, bn) => this.conv(input, c, bn),
      relu: (input) => this.relu(input),
      add: (a, b) => ({ ...a, x: this.g.node('Add', [a.x, b.x]) }),
      maxPool: (input) => this.folding.maxPool(input, this.inDepth),
      upsample: (input, f) => {
        const undo = this.folding.checkpoint();
        const out = this.folding.upsample(input, f, this.inDepth);
        upsampled.set(out.x, { input, factor: f, undo });
        return out;
      },
      concat: (a, b) => ({
        ...a,
        x: this.g.node('Concat', [a.x, b.x], { axis: 1 }),
        channels: a.channels + b.channels,
      }),
    };
    const y = wireSegmenter(describe(this.config), ops, x);
    const last = upsampled.get(y.x);
    if (!last) return { logits: y, factor: 1 };
    // The final upsampling is the last thing written: take it back.
    last.undo();
    return { logits: last.input, factor: last.factor };
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
  const { logits, factor } = graph.networkBeforeUpsample(
    graph.folding.fold(INPUT_NAME, config.inChannels),
  );
  const y = { ...logits, x: output === 'logits' ? logits.x : graph.softmax(logits.x) };
  const result = graph.folding.output(y, factor, output);
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
