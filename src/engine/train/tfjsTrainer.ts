import { slicesToChannels } from '../../nn/input';
import type { ModelCard } from '../../nn/modelCard';
import { configFromCard } from '../../nn/modelCard';
import { createPredictor } from '../../nn/predictor';
import type { BatchNormMode, Segmenter } from '../../nn/segmenter';
import { buildSegmenter, disposeSegmenter, exportStateDict } from '../../nn/segmenter';
import { tf } from '../../nn/tf';
import { createOptimizer, trainStep } from '../../nn/training';
import { isBuffer } from '../../onnx/training/parameterLayout';
import type { StateDict } from '../../nn/weights/hostTensor';
import type { AdamState, Trainer, TrainerStart } from './Trainer';

export interface TfjsTrainerOptions {
  card: ModelCard;
  patch: [number, number, number];
  batchNorm: BatchNormMode;
  learningRate?: number;
  weightDecay?: number;
  /** the tfjs backend's name, for the status */
  backend: string;
}

/** The moments as a state dict: laid out as the weights they belong to (PyTorch's layout). */
function momentsOut(model: Segmenter, names: string[], tensors: tf.Tensor[]): StateDict {
  const params = new Map(names.map((n, i) => [n, tensors[i] as tf.Variable]));
  return exportStateDict({ ...model, params });
}

/**
 * Training on TensorFlow.js (the fallback where ONNX Runtime does not load): src/nn's trainStep
 * with tfjs's Adam. Adam's moments cross to and from the neutral AdamState in PyTorch's layout.
 */
export class TfjsTrainer implements Trainer {
  private constructor(
    readonly backend: string,
    private readonly model: Segmenter,
    private readonly optimizer: tf.Optimizer,
    private readonly options: TfjsTrainerOptions,
  ) {}

  /** Trainable tensors in the order tfjs's Adam keeps their moments (the variables' order). */
  private trainable(): string[] {
    return [...this.model.params].filter(([, v]) => v.trainable).map(([name]) => name);
  }

  static async create(start: TrainerStart, options: TfjsTrainerOptions): Promise<TfjsTrainer> {
    const model = buildSegmenter(configFromCard(options.card), { weights: start.weights });
    const optimizer = createOptimizer({ learningRate: options.learningRate });
    const trainer = new TfjsTrainer(options.backend, model, optimizer, options);
    if (start.adam) await trainer.restore(start.adam);
    return trainer;
  }

  private async restore(adam: AdamState): Promise<void> {
    const names = this.trainable();
    const config = this.model.config;
    const layout = (moments: StateDict) => {
      // Our layout from PyTorch's, the way the weights themselves are read.
      const built = buildSegmenter(config, {
        weights: moments,
        required: (n) => !isBuffer(n),
        source: 'the optimizer state',
      });
      const tensors = names.map((n) => {
        const v = built.params.get(n);
        if (!v) throw new Error(`the optimizer state has no moment for ${n}`);
        return tf.clone(v);
      });
      disposeSegmenter(built);
      return tensors;
    };
    const m = layout(adam.m);
    const v = layout(adam.v);
    const iter = tf.scalar(adam.step, 'int32');
    await this.optimizer.setWeights([
      { name: 'iter', tensor: iter },
      ...m.map((tensor, i) => ({ name: `${names[i]}/m`, tensor })),
      ...v.map((tensor, i) => ({ name: `${names[i]}/v`, tensor })),
    ]);
    for (const t of [iter, ...m, ...v]) t.dispose();
  }

  async step(image: Float32Array, labels: Uint8Array, count: number): Promise<number> {
    const { card, patch } = this.options;
    const [x, y] = tf.tidy(() => {
      const raw = tf.tensor5d(image, [count, ...patch, 1]);
      return [
        slicesToChannels(raw, this.model.config.inChannels, card.input.slices),
        tf.tensor4d(Int32Array.from(labels), [count, ...patch], 'int32'),
      ];
    });
    try {
      return trainStep(this.model, this.optimizer, x as tf.Tensor5D, y as tf.Tensor4D, {
        batchNorm: this.options.batchNorm,
        learningRate: this.options.learningRate,
        weightDecay: this.options.weightDecay,
      });
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  async weights(): Promise<StateDict> {
    return exportStateDict(this.model);
  }

  async adam(): Promise<AdamState> {
    const names = this.trainable();
    const [iter, ...moments] = await this.optimizer.getWeights();
    if (moments.length === 0) {
      // No step made yet: zero moments, as PyTorch starts.
      const zeros = new Map(
        [...(await this.weights())]
          .filter(([n]) => !isBuffer(n))
          .map(([n, t]) => [n, { shape: t.shape, data: new Float32Array(t.data.length) }]),
      );
      return { step: 0, m: zeros, v: new Map(zeros) };
    }
    if (moments.length !== 2 * names.length)
      throw new Error(
        `tfjs's Adam holds ${moments.length / 2} moments, the network ${names.length} trainable tensors`,
      );
    const half = names.length;
    return {
      step: (await iter.tensor.data())[0],
      m: momentsOut(
        this.model,
        names,
        moments.slice(0, half).map((w) => w.tensor),
      ),
      v: momentsOut(
        this.model,
        names,
        moments.slice(half).map((w) => w.tensor),
      ),
    };
  }

  async predictor() {
    return {
      predictor: createPredictor(this.model, this.options.card.input.slices),
      dispose: async () => undefined,
    };
  }

  async dispose(): Promise<void> {
    this.optimizer.dispose();
    disposeSegmenter(this.model);
  }
}
