import type { ModelCard } from '../../nn/modelCard';
import type { BatchNormMode } from '../../nn/segmenter';
import { DEFAULT_OPTIMIZER } from '../../onnx/training/TrainingGraphOptions';
import type { OnnxRuntime } from '../backends/onnxRuntime';
import type { TrainingStatus } from '../backends/tfBackends';
import { OrtTrainer, type TrainingGraphBuilder } from './ortTrainer';
import { TfjsTrainer } from './tfjsTrainer';
import type { Trainer, TrainerStart } from './Trainer';
import { errorMessage } from '../../errors/errorMessage';

/** Which runtime trains: ONNX Runtime where it loads and runs the graph ('auto'), or one by force. */
export type TrainingChoice = 'auto' | 'onnx' | 'tfjs';
export const TRAINING_CHOICES: readonly TrainingChoice[] = ['auto', 'onnx', 'tfjs'];

export function trainingChoice(value: string | undefined): TrainingChoice {
  if (value === undefined || value === '') return 'auto';
  if ((TRAINING_CHOICES as readonly string[]).includes(value)) return value as TrainingChoice;
  throw new Error(
    `unknown training backend "${value}"; expected one of ${TRAINING_CHOICES.join(', ')}`,
  );
}

/** What a training may run on. Without it a training runs on tfjs (the comparison does). */
export interface TrainingRuntime {
  choice: TrainingChoice;
  /** ONNX Runtime with the provider its probe found, when it loaded */
  onnx?: OnnxRuntime;
  /** why ONNX Runtime did not load, when it did not */
  onnxMissing?: string;
  /** the training-step graph's builder (src/onnx/training) */
  build?: TrainingGraphBuilder;
  /** the tfjs backend's name */
  tfjs: string;
}

export interface TrainerSettings {
  card: ModelCard;
  patch: [number, number, number];
  batch: number;
  batchNorm: BatchNormMode;
  learningRate?: number;
  weightDecay?: number;
}

const messageOf = (error: unknown) => errorMessage(error).split('\n')[0].slice(0, 300);

export function tfjsTrainer(
  runtime: Pick<TrainingRuntime, 'tfjs'>,
  start: TrainerStart,
  settings: TrainerSettings,
): Promise<Trainer> {
  return TfjsTrainer.create(start, { ...settings, backend: runtime.tfjs });
}

/**
 * The trainer for a run: ONNX Runtime's training-step graph where the choice allows it and the
 * runtime loaded and takes the graph, else tfjs, with the reason. Forced 'onnx' fails instead of
 * falling back.
 */
export async function createTrainer(
  runtime: TrainingRuntime,
  start: TrainerStart,
  settings: TrainerSettings,
): Promise<{ trainer: Trainer; status: TrainingStatus }> {
  let why: string;
  if (runtime.choice === 'tfjs') why = 'training set to tfjs';
  else if (!runtime.onnx) why = `ONNX Runtime did not load (${runtime.onnxMissing ?? 'unknown'})`;
  else if (!runtime.build) why = 'no training-step graph builder';
  else {
    try {
      const trainer = await OrtTrainer.create(start, {
        runtime: runtime.onnx,
        build: runtime.build,
        card: settings.card,
        patch: settings.patch,
        batch: settings.batch,
        batchNorm: settings.batchNorm,
        learningRate: settings.learningRate ?? 1e-3,
        optimizer: { ...DEFAULT_OPTIMIZER, weightDecay: settings.weightDecay ?? 1e-4 },
      });
      return {
        trainer,
        status: { backend: trainer.backend, reason: `training-step graph on ${trainer.backend}` },
      };
    } catch (error) {
      why = `ONNX Runtime could not run the training graph: ${messageOf(error)}`;
    }
  }
  if (runtime.choice === 'onnx') throw new Error(`training is set to onnx but ${why}`);
  const trainer = await tfjsTrainer(runtime, start, settings);
  return { trainer, status: { backend: trainer.backend, reason: `tfjs ${runtime.tfjs}: ${why}` } };
}

/** The reason a step failed, as the status says it when training moves to tfjs. */
export function fallbackReason(backend: string, error: unknown): string {
  return `${backend} failed mid-training (${messageOf(error)})`;
}

/** What the status says before a training starts: the runtime a training would take, and why. */
export function plannedTraining(runtime: TrainingRuntime): TrainingStatus {
  if (runtime.choice !== 'tfjs' && runtime.onnx && runtime.build)
    return {
      backend: runtime.onnx.name,
      reason: `training-step graph on ${runtime.onnx.name}`,
    };
  const why =
    runtime.choice === 'tfjs'
      ? 'training set to tfjs'
      : !runtime.onnx
        ? `ONNX Runtime did not load (${runtime.onnxMissing ?? 'unknown'})`
        : 'no training-step graph builder';
  return { backend: runtime.tfjs, reason: `tfjs ${runtime.tfjs}: ${why}` };
}
