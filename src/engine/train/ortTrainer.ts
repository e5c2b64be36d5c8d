import type * as OrtNamespace from 'onnxruntime-node';
import type { SegmenterConfig } from '../../nn/architecture';
import type { ModelCard } from '../../nn/modelCard';
import { configFromCard } from '../../nn/modelCard';
import type { BatchNormMode } from '../../nn/segmenter';
import type { StateDict } from '../../nn/weights/hostTensor';
import { exportSegmenterOnnx } from '../../onnx/exportSegmenter';
import type { ParameterLayout } from '../../onnx/training/parameterLayout';
import { packTensors, unpackTensors } from '../../onnx/training/parameterLayout';
import type {
  OptimizerSettings,
  TrainingGraphOptions,
} from '../../onnx/training/TrainingGraphOptions';
import { STEP_INPUTS, STEP_OUTPUTS } from '../../onnx/training/TrainingGraphOptions';
import { onnxPredictor, patchChannels } from '../backends/onnxPredictor';
import type { OnnxRuntime } from '../backends/onnxRuntime';
import type { AdamState, Trainer, TrainerStart } from './Trainer';

type Tensor = OrtNamespace.Tensor;

/** src/onnx/training's builder: the training-step graph of a network, and where its tensors lie. */
export type TrainingGraphBuilder = (
  config: SegmenterConfig,
  options: TrainingGraphOptions,
) => { bytes: Uint8Array; layout: ParameterLayout };

export interface OrtTrainerOptions {
  runtime: OnnxRuntime;
  build: TrainingGraphBuilder;
  card: ModelCard;
  patch: [number, number, number];
  batch: number;
  batchNorm: BatchNormMode;
  optimizer: OptimizerSettings;
  learningRate: number;
}

/** The four vectors a step reads and writes. */
interface StepState {
  params: Tensor;
  adamM: Tensor;
  adamV: Tensor;
  bnState: Tensor;
}

const STATE_KEYS = ['params', 'adamM', 'adamV', 'bnState'] as const;

/**
 * Training on ONNX Runtime: one session of the training-step graph (forward, loss, backward and
 * Adam in one graph), the parameters and Adam's moments as flat vectors that each step's outputs
 * hand to the next step's inputs. On the CPU the outputs are written into preallocated buffers
 * (two sets, swapped each step: the inputs of a failed step are never overwritten); on WebGPU
 * they stay on the device (`preferredOutputLocation: 'gpu-buffer'`) and come back to the host
 * only for checkpoints. Other providers (CUDA, DirectML, CoreML) take and give host tensors,
 * which is all onnxruntime-node's API offers there.
 */
export class OrtTrainer implements Trainer {
  private constructor(
    private readonly options: OrtTrainerOptions,
    private readonly config: SegmenterConfig,
    private readonly session: OrtNamespace.InferenceSession,
    private readonly layout: ParameterLayout,
    private state: StepState,
    /** the other set of host buffers, written by the next step (null on the device) */
    private spare: StepState | null,
    private updates: number,
  ) {}

  get backend(): string {
    return this.options.runtime.name;
  }

  static async create(start: TrainerStart, options: OrtTrainerOptions): Promise<OrtTrainer> {
    const { runtime, card, batch, patch, batchNorm, optimizer } = options;
    const { ort } = runtime;
    const config = configFromCard(card);
    const { bytes, layout } = options.build(config, { batch, patch, batchNorm, optimizer });
    const onDevice = runtime.name === 'onnxruntime-webgpu';
    const outputs = [STEP_OUTPUTS.params, STEP_OUTPUTS.adamM, STEP_OUTPUTS.adamV];
    const session = await ort.InferenceSession.create(bytes, {
      ...runtime.sessionOptions,
      ...(onDevice
        ? {
            preferredOutputLocation: Object.fromEntries(
              [...outputs, STEP_OUTPUTS.bnState].map((n) => [n, 'gpu-buffer' as const]),
            ),
          }
        : {}),
    });
    const P = layout.paramCount;
    const vector = (data: Float32Array) => new ort.Tensor('float32', data, [data.length]);
    const moments = (m: StateDict | undefined) =>
      m ? packTensors(layout.params, P, m) : new Float32Array(P);
    const state: StepState = {
      params: vector(packTensors(layout.params, P, start.weights)),
      adamM: vector(moments(start.adam?.m)),
      adamV: vector(moments(start.adam?.v)),
      bnState: vector(packTensors(layout.buffers, layout.bufferCount, start.weights)),
    };
    const spare = onDevice
      ? null
      : {
          params: vector(new Float32Array(P)),
          adamM: vector(new Float32Array(P)),
          adamV: vector(new Float32Array(P)),
          bnState: vector(new Float32Array(state.bnState.size)),
        };
    return new OrtTrainer(options, config, session, layout, state, spare, start.adam?.step ?? 0);
  }

  async step(image: Float32Array, labels: Uint8Array, count: number): Promise<number> {
    const { ort } = this.options.runtime;
    const { card, patch, batch } = this.options;
    if (count !== batch)
      throw new Error(`the training graph takes batches of ${batch}, not ${count}`);
    const channels = card.input.channels;
    const classes = card.classes.length;
    const voxels = patch[0] * patch[1] * patch[2];
    const x = patchChannels(image, count, patch, channels, card.input.slices);
    const target = new Float32Array(count * classes * voxels);
    for (let n = 0; n < count; n++)
      for (let v = 0; v < voxels; v++)
        target[(n * classes + labels[n * voxels + v]) * voxels + v] = 1;
    const feeds: Record<string, Tensor> = {
      [STEP_INPUTS.image]: new ort.Tensor('float32', x, [count, channels, ...patch]),
      [STEP_INPUTS.target]: new ort.Tensor('float32', target, [count, classes, ...patch]),
      [STEP_INPUTS.params]: this.state.params,
      [STEP_INPUTS.adamM]: this.state.adamM,
      [STEP_INPUTS.adamV]: this.state.adamV,
      [STEP_INPUTS.bnState]: this.state.bnState,
      [STEP_INPUTS.step]: new ort.Tensor('float32', Float32Array.of(this.updates + 1), [1]),
      [STEP_INPUTS.learningRate]: new ort.Tensor(
        'float32',
        Float32Array.of(this.options.learningRate),
        [1],
      ),
    };
    const spare = this.spare;
    const fetches: Record<string, Tensor | null> = {
      [STEP_OUTPUTS.loss]: null,
      [STEP_OUTPUTS.params]: spare?.params ?? null,
      [STEP_OUTPUTS.adamM]: spare?.adamM ?? null,
      [STEP_OUTPUTS.adamV]: spare?.adamV ?? null,
      [STEP_OUTPUTS.bnState]: spare?.bnState ?? null,
    };
    const out = await this.session.run(feeds, fetches as OrtNamespace.InferenceSession.FetchesType);
    const loss = (out[STEP_OUTPUTS.loss].data as Float32Array)[0];
    if (!Number.isFinite(loss)) throw new Error(`the training step's loss is ${loss}`);
    const next: StepState = {
      params: out[STEP_OUTPUTS.params] as Tensor,
      adamM: out[STEP_OUTPUTS.adamM] as Tensor,
      adamV: out[STEP_OUTPUTS.adamV] as Tensor,
      bnState: out[STEP_OUTPUTS.bnState] as Tensor,
    };
    if (spare) this.spare = this.state;
    else for (const k of STATE_KEYS) this.state[k].dispose();
    this.state = next;
    this.updates++;
    return loss;
  }

  /** A vector on the host (downloaded from the device where it lives there). */
  private async host(key: (typeof STATE_KEYS)[number]): Promise<Float32Array> {
    const t = this.state[key];
    return (t.location === 'cpu' ? t.data : await t.getData()) as Float32Array;
  }

  async weights(): Promise<StateDict> {
    return unpackTensors(this.layout, await this.host('params'), await this.host('bnState'));
  }

  async adam(): Promise<AdamState> {
    const none = new Float32Array(0);
    const moments = async (key: 'adamM' | 'adamV') =>
      unpackTensors({ ...this.layout, buffers: [] }, await this.host(key), none);
    return { step: this.updates, m: await moments('adamM'), v: await moments('adamV') };
  }

  async predictor() {
    const { runtime, card } = this.options;
    const bytes = exportSegmenterOnnx(this.config, await this.weights(), { name: card.name });
    const session = await runtime.ort.InferenceSession.create(bytes, runtime.sessionOptions);
    return {
      predictor: onnxPredictor(runtime, session, card),
      dispose: () => session.release(),
    };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
