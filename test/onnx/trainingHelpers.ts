import type { SegmenterConfig } from '../../src/nn/architecture';
import { buildTrainingGraph } from '../../src/onnx/training/trainingGraph';
import { packTensors, type ParameterLayout } from '../../src/onnx/training/parameterLayout';
import {
  DEFAULT_OPTIMIZER,
  STEP_INPUTS,
  STEP_OUTPUTS,
  type TrainingGraphOptions,
} from '../../src/onnx/training/TrainingGraphOptions';
import type { StateDict } from '../../src/nn/weights/hostTensor';
import { cpuRuntime } from './onnxHelpers';

export interface StepBatch {
  /** [N, C, D, H, W] */
  image: Float32Array;
  /** class index per voxel, [N, D, H, W] */
  labels: Int32Array;
}

export interface StepResult {
  loss: number;
  dice: Float32Array;
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  bnState: Float32Array;
  gradients: Float32Array;
  layout: ParameterLayout;
}

export function oneHot(labels: Int32Array, n: number, k: number, voxels: number): Float32Array {
  const out = new Float32Array(n * k * voxels);
  for (let b = 0; b < n; b++)
    for (let v = 0; v < voxels; v++) out[(b * k + labels[b * voxels + v]) * voxels + v] = 1;
  return out;
}

/** One step of the training graph on ONNX Runtime's CPU provider, from the given weights. */
export async function runTrainingStep(
  config: SegmenterConfig,
  weights: StateDict,
  batch: StepBatch,
  options: Partial<TrainingGraphOptions> & Pick<TrainingGraphOptions, 'batch' | 'patch'>,
  step = 1,
  learningRate = 1e-3,
): Promise<StepResult> {
  const full: TrainingGraphOptions = {
    batchNorm: 'frozen',
    optimizer: DEFAULT_OPTIMIZER,
    outputGradients: true,
    ...options,
  };
  const { bytes, layout } = buildTrainingGraph(config, full);
  const rt = await cpuRuntime();
  const session = await rt.ort.InferenceSession.create(bytes, rt.sessionOptions);
  const { ort } = rt;
  const [d, h, w] = full.patch;
  const voxels = d * h * w;
  const k = config.numClasses;
  const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  try {
    const result = await session.run({
      [STEP_INPUTS.image]: f32(batch.image, [full.batch, config.inChannels, d, h, w]),
      [STEP_INPUTS.target]: f32(oneHot(batch.labels, full.batch, k, voxels), [
        full.batch,
        k,
        d,
        h,
        w,
      ]),
      [STEP_INPUTS.params]: f32(packTensors(layout.params, layout.paramCount, weights), [
        layout.paramCount,
      ]),
      [STEP_INPUTS.adamM]: f32(new Float32Array(layout.paramCount), [layout.paramCount]),
      [STEP_INPUTS.adamV]: f32(new Float32Array(layout.paramCount), [layout.paramCount]),
      [STEP_INPUTS.bnState]: f32(packTensors(layout.buffers, layout.bufferCount, weights), [
        layout.bufferCount,
      ]),
      [STEP_INPUTS.step]: f32(Float32Array.of(step), [1]),
      [STEP_INPUTS.learningRate]: f32(Float32Array.of(learningRate), [1]),
    });
    const get = (name: string) => result[name].data as Float32Array;
    return {
      loss: get(STEP_OUTPUTS.loss)[0],
      dice: get(STEP_OUTPUTS.dice),
      params: get(STEP_OUTPUTS.params),
      adamM: get(STEP_OUTPUTS.adamM),
      adamV: get(STEP_OUTPUTS.adamV),
      bnState: get(STEP_OUTPUTS.bnState),
      gradients: get(STEP_OUTPUTS.gradients),
      layout,
    };
  } finally {
    await session.release();
  }
}

/** max |a - b| / max |b| (b the reference), 0 when both are zero. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
