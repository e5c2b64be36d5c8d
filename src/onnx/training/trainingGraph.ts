import {
  describe,
  kernelDepth,
  stridesInDepth,
  type ConvDef,
  type SegmenterConfig,
} from '../../nn/architecture';
import { acsSplit } from '../../nn/convert/acsSplit';
import { patchProblem } from '../../nn/segmenter';
import { wireSegmenter, type SegmenterOps } from '../../nn/wiring';
import { tensorInfo } from '../graphBuilder';
import { encodeModel } from '../schema';
import { adamStep } from './adam';
import { DiffGraph, type Value } from './DiffGraph';
import { parameterLayout, type LayoutEntry, type ParameterLayout } from './parameterLayout';
import { batchStatisticsNorm, frozenBatchNorm } from './rules/batchNorm';
import { conv, type ConvGeometry } from './rules/conv';
import { maxPool, upsample } from './rules/pooling';
import { add, concat, relu, reshape, sliceRows } from './rules/structure';
import { segmentationLoss } from './segmentationLoss';
import { STEP_INPUTS, STEP_OUTPUTS, type TrainingGraphOptions } from './TrainingGraphOptions';

/** Opset 17: ScatterElements with reduction 'add' (16) for the max-pool gradient. */
export const TRAINING_OPSET = 17;
const TRAINING_IR_VERSION = 8;

/** ACS's planes: where each output group's 2D kernel lies in (depth, height, width). */
const ACS_PLANES = [0, 1, 2] as const;

class StepGraphBuilder {
  readonly dg = new DiffGraph();
  readonly params = new Map<string, Value>();
  readonly buffers = new Map<string, string>();
  /** The updated running statistics (batch-statistics mode), by buffer name. */
  readonly updatedBuffers = new Map<string, string>();
  private readonly flat: boolean;

  constructor(
    private readonly config: SegmenterConfig,
    private readonly options: TrainingGraphOptions,
    layout: ParameterLayout,
  ) {
    this.flat = config.kind === '2d';
    for (const e of layout.params)
      this.params.set(e.name, this.dg.markTrainable(this.unflatten(STEP_INPUTS.params, e)));
    for (const e of layout.buffers)
      this.buffers.set(e.name, this.unflatten(STEP_INPUTS.bnState, e).name);
  }

  /** One tensor of a flat input vector, in its own shape. */
  private unflatten(input: string, e: LayoutEntry): Value {
    const g = this.dg.g;
    const slice = g.node('Slice', [
      input,
      this.dg.ints([e.offset]),
      this.dg.ints([e.offset + e.size]),
    ]);
    return { name: g.node('Reshape', [slice, this.dg.ints(e.shape)]), shape: e.shape };
  }

  private param(name: string): Value {
    const p = this.params.get(name);
    if (!p) throw new Error(`training graph: no parameter ${name}`);
    return p;
  }

  private buffer(name: string): string {
    const b = this.buffers.get(name);
    if (!b) throw new Error(`training graph: no buffer ${name}`);
    return b;
  }

  private conv(x: Value, c: ConvDef): Value {
    const w = this.param(`${c.name}.weight`);
    const bias = c.bias ? this.param(`${c.name}.bias`) : undefined;
    const { stride: s, pad: p, dilation: d, k } = c;
    if (this.flat)
      return conv(this.dg, x, w, bias, { strides: [s, s], pads: [p, p], dilations: [d, d] });
    if (this.config.kind === '3d') {
      const t = kernelDepth(this.config, c);
      const pd = (d * (t - 1)) / 2;
      const sd = stridesInDepth(this.config) ? s : 1;
      return conv(this.dg, x, w, bias, {
        strides: [sd, s, s],
        pads: [pd, p, p],
        dilations: [d, d, d],
      });
    }
    const [cout, cin] = w.shape;
    const cube: ConvGeometry = { strides: [s, s, s], pads: [0, 0, 0], dilations: [1, 1, 1] };
    if (k === 1) return conv(this.dg, x, reshape(this.dg, w, [cout, cin, 1, 1, 1]), bias, cube);
    // ACS: the 2D kernel's output channels split ceil-first into axial, coronal and sagittal
    // groups, each a 3D kernel with a unit axis where its plane has none (ACSConv's acs_conv_f).
    const sizes = acsSplit(cout);
    const outputs: Value[] = [];
    let from = 0;
    for (const plane of ACS_PLANES) {
      const size = sizes[plane];
      if (size === 0) continue;
      const kernel = [k, k, k].map((v, a) => (a === plane ? 1 : v));
      const group = reshape(this.dg, sliceRows(this.dg, w, from, from + size), [
        size,
        cin,
        ...kernel,
      ]);
      outputs.push(
        conv(this.dg, x, group, undefined, {
          strides: [s, s, s],
          pads: [p, p, p].map((v, a) => (a === plane ? 0 : v)),
          dilations: [d, d, d].map((v, a) => (a === plane ? 1 : v)),
        }),
      );
      from += size;
    }
    const joined = concat(this.dg, outputs, 1);
    if (!bias) return joined;
    throw new Error(`training graph: ${c.name} is a k > 1 ACS convolution with a bias`);
  }

  private batchNorm(x: Value, name: string): Value {
    const inputs = {
      gamma: this.param(`${name}.weight`),
      beta: this.param(`${name}.bias`),
      runningMean: this.buffer(`${name}.running_mean`),
      runningVar: this.buffer(`${name}.running_var`),
    };
    if (this.options.batchNorm === 'frozen') return frozenBatchNorm(this.dg, x, inputs);
    const { y, runningMean, runningVar } = batchStatisticsNorm(this.dg, x, inputs);
    this.updatedBuffers.set(`${name}.running_mean`, runningMean);
    this.updatedBuffers.set(`${name}.running_var`, runningVar);
    return y;
  }

  ops(): SegmenterOps<Value> {
    // The 2d kind pools and upsamples in-plane; a depth-stride-free 3d encoder too, on 5-D tensors.
    const inDepth = stridesInDepth(this.config);
    const inPlane = (f: number) => (this.flat ? [f, f] : [inDepth ? f : 1, f, f]);
    return {
      conv: (x, c, bn) => {
        const y = this.conv(x, c);
        return bn ? this.batchNorm(y, bn) : y;
      },
      relu: (x) => relu(this.dg, x),
      add: (a, b) => add(this.dg, a, b),
      maxPool: (x) => maxPool(this.dg, x, this.flat ? [true, true] : [inDepth, true, true]),
      upsample: (x, f) => upsample(this.dg, x, inPlane(f)),
      concat: (a, b) => concat(this.dg, [a, b], 1),
    };
  }

  /** The 2d kind sees every slice as its own image: [N, C, D, H, W] -> [N*D, C, H, W]. */
  foldDepth(v: Value): Value {
    const [n, c, d, h, w] = v.shape;
    const g = this.dg.g;
    const t = g.node('Transpose', [v.name], { perm: [0, 2, 1, 3, 4] });
    const shape = [n * d, c, h, w];
    return { name: g.node('Reshape', [t, this.dg.ints(shape)]), shape };
  }
}

/**
 * The training-step graph of a segmenter: forward (the wiring of src/nn/wiring.ts), the loss of
 * src/nn/training.ts, the backward pass by the rules in rules/, and an Adam or AdamW update of
 * the flat parameter vector, all as standard ONNX ops that any ONNX Runtime execution provider
 * runs. Inputs and outputs are named in TrainingGraphOptions.ts; shapes are fixed by the options.
 */
export function buildTrainingGraph(
  config: SegmenterConfig,
  options: TrainingGraphOptions,
): { bytes: Uint8Array; layout: ParameterLayout } {
  const [depth, height, width] = options.patch;
  const n = options.batch;
  const problem = patchProblem(config, [n, depth, height, width, config.inChannels]);
  if (problem) throw new Error(`training graph: ${problem}`);
  const layout = parameterLayout(config);
  const builder = new StepGraphBuilder(config, options, layout);
  const { dg } = builder;
  const g = dg.g;
  const k = config.numClasses;
  let image: Value = {
    name: STEP_INPUTS.image,
    shape: [n, config.inChannels, depth, height, width],
  };
  let target: Value = { name: STEP_INPUTS.target, shape: [n, k, depth, height, width] };
  if (config.kind === '2d') {
    image = builder.foldDepth(image);
    target = builder.foldDepth(target);
  }
  const logits = wireSegmenter(describe(config), builder.ops(), image);
  const loss = segmentationLoss(dg, logits, target);
  const params = layout.params.map((e) => builder.params.get(e.name) as Value);
  const grads = dg.backward(logits, loss.dLogits, params);
  const flatGrads = params.map((p, i) => {
    const grad = grads[i];
    if (!grad) throw new Error(`training graph: the loss does not reach ${layout.params[i].name}`);
    return g.node('Reshape', [grad, dg.ints([layout.params[i].size])]);
  });
  const gradient = g.node('Concat', flatGrads, { axis: 0 });
  const next = adamStep(
    dg,
    { params: STEP_INPUTS.params, m: STEP_INPUTS.adamM, v: STEP_INPUTS.adamV },
    gradient,
    STEP_INPUTS.step,
    STEP_INPUTS.learningRate,
    options.optimizer,
  );
  g.node('Identity', [loss.loss], {}, STEP_OUTPUTS.loss);
  g.node('Identity', [loss.dice], {}, STEP_OUTPUTS.dice);
  g.node('Identity', [next.params], {}, STEP_OUTPUTS.params);
  g.node('Identity', [next.m], {}, STEP_OUTPUTS.adamM);
  g.node('Identity', [next.v], {}, STEP_OUTPUTS.adamV);
  const buffers =
    options.batchNorm === 'frozen'
      ? STEP_INPUTS.bnState
      : g.node(
          'Concat',
          layout.buffers.map((e) => {
            const updated = builder.updatedBuffers.get(e.name);
            if (!updated) throw new Error(`training graph: ${e.name} was not updated`);
            return updated;
          }),
          { axis: 0 },
        );
  g.node('Identity', [buffers], {}, STEP_OUTPUTS.bnState);
  const outputs = [
    tensorInfo(STEP_OUTPUTS.loss, [1]),
    tensorInfo(STEP_OUTPUTS.dice, [k]),
    tensorInfo(STEP_OUTPUTS.params, [layout.paramCount]),
    tensorInfo(STEP_OUTPUTS.adamM, [layout.paramCount]),
    tensorInfo(STEP_OUTPUTS.adamV, [layout.paramCount]),
    tensorInfo(STEP_OUTPUTS.bnState, [layout.bufferCount]),
  ];
  if (options.outputGradients) {
    g.node('Identity', [gradient], {}, STEP_OUTPUTS.gradients);
    outputs.push(tensorInfo(STEP_OUTPUTS.gradients, [layout.paramCount]));
  }
  const bytes = encodeModel({
    ir_version: TRAINING_IR_VERSION,
    producer_name: 'acs-workstation',
    producer_version: '1',
    doc_string: `training step of the ${config.architecture} ${config.kind} segmenter, batch ${n}, patch ${options.patch.join('x')}, batch norm ${options.batchNorm}, ${options.optimizer.kind}`,
    opset_import: [{ domain: '', version: TRAINING_OPSET }],
    metadata_props: [],
    graph: {
      name: `${config.architecture}-${config.kind}-training-step`,
      node: g.nodes,
      initializer: g.initializers,
      input: [
        tensorInfo(STEP_INPUTS.image, [n, config.inChannels, depth, height, width]),
        tensorInfo(STEP_INPUTS.target, [n, k, depth, height, width]),
        tensorInfo(STEP_INPUTS.params, [layout.paramCount]),
        tensorInfo(STEP_INPUTS.adamM, [layout.paramCount]),
        tensorInfo(STEP_INPUTS.adamV, [layout.paramCount]),
        tensorInfo(STEP_INPUTS.bnState, [layout.bufferCount]),
        tensorInfo(STEP_INPUTS.step, [1]),
        tensorInfo(STEP_INPUTS.learningRate, [1]),
      ],
      output: outputs,
    },
  });
  return { bytes, layout };
}
