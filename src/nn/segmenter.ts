import {
  DEFAULT_CONFIG,
  describe,
  kernelDepth,
  parameterShapes,
  stridesInDepth,
  type Architecture,
  type BlockDef,
  type ConvDef,
  type SegmenterConfig,
} from './architecture';
import { acsConv } from './layers/acsConv';
import { concatChannels } from './layers/channels';
import { batchNorm } from './layers/batchNorm';
import { conv3d, type Conv3dGeometry } from './layers/conv3d';
import { releaseDerivedKernels } from './layers/derivedKernels';
import { maxPool } from './layers/maxPool';
import { upsample } from './layers/upsample';
import { tf } from './tf';
import type { StateDict } from './weights/hostTensor';
import { matchStateDict } from './weights/matchStateDict';
import { wireBlock, wireEncoder, wireSegmenter, wireStem, type SegmenterOps } from './wiring';

export interface Segmenter {
  config: SegmenterConfig;
  architecture: Architecture;
  /** Every tensor by its PyTorch name, in our layout (kernels [(T,) kh, kw, in, out]). */
  params: Map<string, tf.Variable>;
}

export type BatchNormMode = 'frozen' | 'batch';

export interface BuildOptions {
  /** Weights in PyTorch layout for this kind; what is absent is initialised at random. */
  weights?: StateDict;
  /** Which tensors the weights must hold (default: all). */
  required?: (name: string) => boolean;
  /** Tensors of the weights to skip silently (a classifier the segmenter has no use for). */
  ignore?: (name: string) => boolean;
  /** Where the weights came from, for error messages. */
  source?: string;
  seed?: number;
}

export function segmenterConfig(partial: Partial<SegmenterConfig>): SegmenterConfig {
  return { ...DEFAULT_CONFIG, ...partial };
}

/** PyTorch's layout to ours: [out, in, (T,) kh, kw] -> [(T,) kh, kw, in, out]. */
function toOurLayout(t: tf.Tensor): tf.Tensor {
  if (t.rank === 4) return tf.transpose(t, [2, 3, 1, 0]);
  if (t.rank === 5) return tf.transpose(t, [2, 3, 4, 1, 0]);
  return t;
}

function toTorchLayout(t: tf.Tensor): tf.Tensor {
  if (t.rank === 4) return tf.transpose(t, [3, 2, 0, 1]);
  if (t.rank === 5) return tf.transpose(t, [4, 3, 0, 1, 2]);
  return t;
}

/** torchvision's init: Kaiming normal (fan out, ReLU) for kernels, identity batch norm. */
function initialValue(name: string, shape: number[], seed: number): tf.Tensor {
  if (name.endsWith('.running_var') || (name.endsWith('.weight') && shape.length === 1))
    return tf.ones(shape);
  if (shape.length === 1) return tf.zeros(shape);
  const fanOut = shape[0] * shape.slice(2).reduce((a, b) => a * b, 1);
  return tf.randomNormal(shape, 0, Math.sqrt(2 / fanOut), 'float32', seed);
}

export function buildSegmenter(
  config: Partial<SegmenterConfig>,
  options: BuildOptions = {},
): Segmenter {
  const full = segmenterConfig(config);
  const shapes = parameterShapes(full);
  const weights = options.weights ?? new Map();
  if (options.weights) {
    matchStateDict(shapes, weights, {
      required: options.required ?? (() => true),
      ignore: options.ignore ?? (() => false),
      source: options.source ?? 'the weights',
    });
  }
  let seed = options.seed ?? 1;
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of shapes) {
    const given = weights.get(name);
    const value = tf.tidy(() =>
      toOurLayout(given ? tf.tensor(given.data, given.shape) : initialValue(name, shape, seed++)),
    );
    const trainable = !name.endsWith('.running_mean') && !name.endsWith('.running_var');
    params.set(name, tf.variable(value, trainable));
    value.dispose();
  }
  return { config: full, architecture: describe(full), params };
}

export function disposeSegmenter(model: Segmenter): void {
  for (const v of model.params.values()) {
    releaseDerivedKernels(v);
    v.dispose();
  }
  model.params.clear();
}

/** The weights in PyTorch's layout and names, as a state dict file holds them. */
export function exportStateDict(model: Segmenter): StateDict {
  const out: StateDict = new Map();
  for (const [name, v] of model.params) {
    // Vectors keep their layout: toTorchLayout hands the variable itself back, not a copy to free.
    const t = v.rank > 1 ? tf.tidy(() => toTorchLayout(v)) : v;
    out.set(name, { shape: t.shape, data: Float32Array.from(t.dataSync() as Float32Array) });
    if (t !== v) t.dispose();
  }
  return out;
}

export function trainableVariables(model: Segmenter): tf.Variable[] {
  return [...model.params.values()].filter((v) => v.trainable);
}

function param(model: Segmenter, name: string): tf.Variable {
  const p = model.params.get(name);
  if (!p) throw new Error(`segmenter: no parameter ${name}`);
  return p;
}

function convForward(model: Segmenter, c: ConvDef, x: tf.Tensor5D): tf.Tensor5D {
  const w = param(model, `${c.name}.weight`);
  const { kind } = model.config;
  const { stride: s, pad: p, dilation: d } = c;
  // The stem's input is the image: nothing upstream needs its gradient.
  const inputGrad = c !== model.architecture.stem.conv;
  let y: tf.Tensor5D;
  if (kind === 'acs') {
    y = acsConv(x, w as tf.Tensor4D, { stride: [s, s], pad: [p, p], dilation: [d, d] }, inputGrad);
  } else if (kind === '2d') {
    const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
    const w5 = tf.reshape(w, [1, kh, kw, cin, cout]) as tf.Tensor5D;
    y = conv3d(x, w5, { stride: [1, s, s], pad: [0, p, p], dilation: [1, d, d] }, inputGrad);
  } else {
    const depth = kernelDepth(model.config, c);
    const pd = (d * (depth - 1)) / 2;
    const sd = stridesInDepth(model.config) ? s : 1;
    const g3: Conv3dGeometry = { stride: [sd, s, s], pad: [pd, p, p], dilation: [d, d, d] };
    y = conv3d(x, w as tf.Tensor5D, g3, inputGrad);
  }
  if (!c.bias) return y;
  // Added on a [voxels, channels] view: its gradient is a sum, slow on rank 5 under wasm.
  const flat = tf.add(tf.reshape(y, [-1, c.cout]), param(model, `${c.name}.bias`));
  return tf.reshape(flat, y.shape);
}

const BN_MOMENTUM = 0.1;

function bnForward(
  model: Segmenter,
  name: string,
  x: tf.Tensor5D,
  mode: BatchNormMode,
): tf.Tensor5D {
  const runningMean = param(model, `${name}.running_mean`);
  const runningVar = param(model, `${name}.running_var`);
  const { y, mean, variance } = batchNorm(
    x,
    {
      gamma: param(model, `${name}.weight`) as tf.Tensor1D,
      beta: param(model, `${name}.bias`) as tf.Tensor1D,
      runningMean: runningMean as tf.Tensor1D,
      runningVar: runningVar as tf.Tensor1D,
    },
    mode,
  );
  if (mean && variance) {
    // PyTorch's running update, with the unbiased batch variance.
    const n = x.size / x.shape[4];
    runningMean.assign(tf.add(tf.mul(runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    runningVar.assign(
      tf.add(
        tf.mul(runningVar, 1 - BN_MOMENTUM),
        tf.mul(variance, (BN_MOMENTUM * n) / Math.max(n - 1, 1)),
      ),
    );
  }
  return y as tf.Tensor5D;
}

/** The tfjs implementation of the network's operations, batch norm in the given mode. */
function tfOps(model: Segmenter, mode: BatchNormMode): SegmenterOps<tf.Tensor5D> {
  return opsWith(model, (name, y) => bnForward(model, name, y, mode));
}

/** The network's operations with batch norm done by `norm` (named by its parameters' prefix). */
function opsWith(
  model: Segmenter,
  norm: (name: string, y: tf.Tensor5D) => tf.Tensor5D,
): SegmenterOps<tf.Tensor5D> {
  const flat = !stridesInDepth(model.config);
  const factors = (f: number): [number, number, number] => (flat ? [1, f, f] : [f, f, f]);
  return {
    conv: (x, c, bn) => {
      const y = convForward(model, c, x);
      return bn ? norm(bn, y) : y;
    },
    relu: (x) => tf.relu(x),
    add: (a, b) => tf.add(a, b),
    maxPool: (x) =>
      maxPool(
        x,
        flat ? [1, 3, 3] : [3, 3, 3],
        flat ? [1, 2, 2] : [2, 2, 2],
        flat ? [0, 1, 1] : [1, 1, 1],
      ),
    upsample: (x, f) => upsample(x, factors(f)),
    concat: (a, b) => concatChannels([a, b]),
  };
}

/**
 * Recomputes every batch norm's running statistics from `batches` and nothing else, as
 * PyTorch's `torch.optim.swa_utils.update_bn` does (momentum None): each batch goes forward
 * normalised by its own statistics, as in training, and each layer's running mean and variance
 * become the mean over the batches of its batch means and unbiased batch variances. No weight
 * changes. This is how inflated (or random) weights get statistics that fit the 3D network and
 * the data before they train with frozen batch norm at a batch too small for batch statistics.
 */
export function calibrateBatchNorm(model: Segmenter, batches: tf.Tensor5D[]): void {
  if (batches.length === 0) throw new Error('batch-norm calibration needs at least one batch');
  const sums = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
  for (const x of batches) {
    const problem = patchProblem(model.config, x.shape);
    if (problem) throw new Error(problem);
    tf.tidy(() => {
      const ops = opsWith(model, (name, y) => {
        const {
          y: out,
          mean,
          variance,
        } = batchNorm(
          y,
          {
            gamma: param(model, `${name}.weight`) as tf.Tensor1D,
            beta: param(model, `${name}.bias`) as tf.Tensor1D,
            runningMean: param(model, `${name}.running_mean`) as tf.Tensor1D,
            runningVar: param(model, `${name}.running_var`) as tf.Tensor1D,
          },
          'batch',
        );
        if (!mean || !variance) throw new Error(`batch norm ${name} gave no batch statistics`);
        const n = y.size / y.shape[4];
        const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
        const before = sums.get(name);
        const next = before
          ? { mean: tf.add(before.mean, mean), variance: tf.add(before.variance, unbiased) }
          : { mean: tf.clone(mean), variance: unbiased };
        if (before) tf.dispose([before.mean, before.variance]);
        sums.set(name, { mean: tf.keep(next.mean), variance: tf.keep(next.variance) });
        return out as tf.Tensor5D;
      });
      wireSegmenter(model.architecture, ops, x);
    });
  }
  for (const [name, sum] of sums) {
    tf.tidy(() => {
      param(model, `${name}.running_mean`).assign(tf.div(sum.mean, batches.length));
      param(model, `${name}.running_var`).assign(tf.div(sum.variance, batches.length));
    });
    tf.dispose([sum.mean, sum.variance]);
  }
}

/** Why a patch cannot go through the network, or undefined when it can. */
export function patchProblem(
  config: SegmenterConfig,
  shape: readonly number[],
): string | undefined {
  if (shape.length !== 5)
    return `expected a [batch, depth, height, width, channels] patch, got rank ${shape.length}`;
  const [, d, h, w, c] = shape as [number, number, number, number, number];
  if (c !== config.inChannels)
    return `the network takes ${config.inChannels} input channels, the patch has ${c}`;
  const { strides } = describe(config);
  const stride = strides[strides.length - 1];
  const axes: [string, number][] = !stridesInDepth(config)
    ? [
        ['height', h],
        ['width', w],
      ]
    : [
        ['depth', d],
        ['height', h],
        ['width', w],
      ];
  const bad = axes.filter(([, size]) => size < stride || size % stride !== 0);
  if (bad.length) {
    return `patch ${d}x${h}x${w} does not fit the network: ${bad.map(([a, s]) => `${a} ${s}`).join(', ')} must be a positive multiple of ${stride}, the encoder's output stride`;
  }
  return undefined;
}

/** The encoder's features [stem, layer1, layer2, layer3, layer4]. */
export function encode(
  model: Segmenter,
  x: tf.Tensor5D,
  mode: BatchNormMode = 'frozen',
): tf.Tensor5D[] {
  return wireEncoder(model.architecture, tfOps(model, mode), x);
}

export function basicBlock(
  model: Segmenter,
  block: BlockDef,
  x: tf.Tensor5D,
  mode: BatchNormMode,
): tf.Tensor5D {
  return wireBlock(block, tfOps(model, mode), x);
}

/** Stem convolution + batch norm + ReLU alone (the stem is the first layer of the conv part). */
export function stem(
  model: Segmenter,
  x: tf.Tensor5D,
  mode: BatchNormMode = 'frozen',
): tf.Tensor5D {
  return wireStem(model.architecture, tfOps(model, mode), x);
}

/** Logits [N, D, H, W, classes] at the input's resolution. */
export function forward(
  model: Segmenter,
  x: tf.Tensor5D,
  mode: BatchNormMode = 'frozen',
): tf.Tensor5D {
  const problem = patchProblem(model.config, x.shape);
  if (problem) throw new Error(problem);
  return wireSegmenter(model.architecture, tfOps(model, mode), x);
}

/** Softmax probabilities [N, D, H, W, classes], channels last. */
export function predict(model: Segmenter, x: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => tf.softmax(forward(model, x, 'frozen')) as tf.Tensor5D);
}
