import type { ModelCard } from '../../nn/modelCard';
import type { BatchNormMode, Segmenter } from '../../nn/segmenter';
import { exportStateDict } from '../../nn/segmenter';
import { tf } from '../../nn/tf';
import type { StateDict } from '../../nn/weights/hostTensor';
import { CancelledError } from '../inference/CancelledError';
import { inferVolume } from '../inference/inferVolume';
import { inferencePlan } from '../models/inferencePlan';
import type { EpochRecord, TrainingState } from './checkpoints';
import { readResumePoint, writeCheckpoint } from './checkpoints';
import type { SegmentationMetrics } from './metrics';
import { segmentationMetrics } from './metrics';
import { prepareCase } from './prepareCase';
import { Random } from './random';
import type { Augmentation } from './samplePatch';
import { DEFAULT_AUGMENTATION, samplePatch } from './samplePatch';
import type { Trainer, TrainerStart } from './Trainer';
import type { TrainingStatus } from '../backends/tfBackends';
import type { TrainingRuntime } from './trainerBackend';
import { createTrainer, fallbackReason, tfjsTrainer } from './trainerBackend';
import type { TrainingCase } from './TrainingCase';

export interface TrainingOptions {
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  seed: number;
  learningRate?: number;
  weightDecay?: number;
  augmentation?: Augmentation;
  /** batch norm in training: running statistics or the batch's own (default: the size rule below) */
  batchNorm?: BatchNormMode;
}

export interface TrainingProgress {
  phase: 'train' | 'validate';
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number | null;
  /** mean validation Dice of the last epoch, null before the first validation */
  meanDice: number | null;
  etaSeconds: number | null;
  /** the runtime that trains: 'onnxruntime-cpu', 'wasm', ... */
  backend: string;
}

export interface TrainingRun {
  /** the starting weights (a network, or its state dict) and its card; ignored when resuming */
  model: Segmenter | StateDict;
  card: ModelCard;
  train: TrainingCase[];
  validation: TrainingCase[];
  options: TrainingOptions;
  /** folder for `best` (best validation Dice) and `last` (resume point) checkpoints */
  checkpointDir: string;
  /** go on from `last` in checkpointDir when it exists */
  resume?: boolean;
  onProgress?: (progress: TrainingProgress) => void;
  onEpoch?: (record: EpochRecord) => void;
  isCancelled?: () => boolean;
  /** which runtimes may train (default: tfjs on its current backend) */
  runtime?: TrainingRuntime;
  /** the runtime that trains and why: once at the start, again when it falls back */
  onBackend?: (status: TrainingStatus) => void;
}

export interface TrainingResult {
  bestDir: string;
  state: TrainingState;
}

/** Batch norm keeps its running statistics for batches this small (the design's rule). */
const FROZEN_BATCH_NORM_UP_TO = 2;

/**
 * Fine-tunes a segmenter: Adam on Dice + cross-entropy over random augmented patches (a share
 * centred on foreground), validation Dice and IoU per class after every epoch on whole volumes,
 * the best model and a resume point written atomically. Cancel is honoured between steps; the
 * last completed epoch's checkpoint stays. The steps run on ONNX Runtime or tfjs (`run.runtime`);
 * a runtime that fails mid-training hands over to tfjs without losing the epoch.
 */
export async function trainModel(run: TrainingRun): Promise<TrainingResult> {
  const { options } = run;
  const resumed = run.resume ? await readResumePoint(run.checkpointDir, 'last') : null;
  const card = resumed?.card ?? run.card;
  const state: TrainingState = resumed?.state ?? {
    epoch: 0,
    rngState: options.seed,
    bestMeanDice: -1,
    history: [],
  };
  let rng = new Random(state.rngState);
  const classes = card.classes.length;
  const prepare = (c: TrainingCase) => prepareCase(c, card.inputSpacing, card.intensity, classes);
  const train = run.train.map(prepare);
  if (train.length === 0) throw new Error('training needs at least one annotated case');
  for (const c of run.validation) prepare(c);

  const patch = card.patchSize;
  const patchVoxels = patch[0] * patch[1] * patch[2];
  const batchNorm =
    options.batchNorm ?? (options.batchSize <= FROZEN_BATCH_NORM_UP_TO ? 'frozen' : 'batch');
  const augmentation = options.augmentation ?? DEFAULT_AUGMENTATION;
  const runtime = run.runtime ?? { choice: 'tfjs', tfjs: tf.getBackend() };
  const settings = {
    card,
    patch,
    batch: options.batchSize,
    batchNorm,
    learningRate: options.learningRate,
    weightDecay: options.weightDecay,
  } as const;
  /** the state the current epoch started from: where a failed runtime's successor starts */
  let lastGood: TrainerStart = resumed
    ? { weights: resumed.weights, adam: resumed.adam }
    : { weights: run.model instanceof Map ? run.model : exportStateDict(run.model) };
  const chosen = await createTrainer(runtime, lastGood, settings);
  let trainer: Trainer = chosen.trainer;
  run.onBackend?.(chosen.status);

  const image = new Float32Array(options.batchSize * patchVoxels);
  const labels = new Uint8Array(options.batchSize * patchVoxels);
  const started = Date.now();
  const stepsTotal = (options.epochs - state.epoch) * options.stepsPerEpoch;
  let stepsDone = 0;
  const eta = () =>
    stepsDone ? ((Date.now() - started) / 1000 / stepsDone) * (stepsTotal - stepsDone) : null;
  let bestDir = `${run.checkpointDir}/best`;

  /**
   * A step that failed on ONNX Runtime goes on on tfjs: from the state before the step where the
   * runtime can still give it, else from the epoch's start (then the epoch is drawn again).
   */
  const fallBack = async (error: unknown): Promise<boolean> => {
    if (runtime.choice === 'onnx' || trainer.backend === runtime.tfjs) throw error;
    const reason = fallbackReason(trainer.backend, error);
    const from: TrainerStart | null = await Promise.all([trainer.weights(), trainer.adam()]).then(
      ([weights, adam]) => ({ weights, adam }),
      () => null,
    );
    await trainer.dispose().catch(() => undefined);
    trainer = await tfjsTrainer(runtime, from ?? lastGood, settings);
    run.onBackend?.({ backend: trainer.backend, reason: `tfjs ${runtime.tfjs}: ${reason}` });
    return from !== null;
  };

  try {
    for (let epoch = state.epoch + 1; epoch <= options.epochs; epoch++) {
      const epochStart = Date.now();
      const epochRng = rng.seed;
      let lossSum = 0;
      for (let step = 1; step <= options.stepsPerEpoch; step++) {
        if (run.isCancelled?.()) throw new CancelledError();
        for (let b = 0; b < options.batchSize; b++) {
          samplePatch(
            train[rng.int(train.length)],
            patch,
            rng,
            augmentation,
            image,
            labels,
            b * patchVoxels,
          );
        }
        let loss: number;
        try {
          loss = await trainer.step(image, labels, options.batchSize);
        } catch (error) {
          if (!(await fallBack(error))) {
            // Back to the epoch's start: the same patches again, on the new runtime.
            stepsDone -= step - 1;
            rng = new Random(epochRng);
            lossSum = 0;
            step = 0;
            continue;
          }
          loss = await trainer.step(image, labels, options.batchSize);
        }
        lossSum += loss;
        stepsDone++;
        run.onProgress?.({
          phase: 'train',
          epoch,
          step,
          stepsPerEpoch: options.stepsPerEpoch,
          loss,
          meanDice: state.history.at(-1)?.meanDice ?? null,
          etaSeconds: eta(),
          backend: trainer.backend,
        });
      }

      const plan = inferencePlan({
        id: 'training',
        dir: '',
        kind: 'network',
        name: card.name,
        classes: card.classes,
        card,
      });
      const scores: SegmentationMetrics[] = [];
      if (run.validation.length) {
        const validator = await trainer.predictor();
        try {
          for (const [n, c] of run.validation.entries()) {
            if (run.isCancelled?.()) throw new CancelledError();
            run.onProgress?.({
              phase: 'validate',
              epoch,
              step: n + 1,
              stepsPerEpoch: run.validation.length,
              loss: null,
              meanDice: null,
              etaSeconds: eta(),
              backend: trainer.backend,
            });
            const predicted = await inferVolume(c.volume, validator.predictor, plan, {
              isCancelled: run.isCancelled,
            });
            scores.push(segmentationMetrics(predicted, c.labels, classes));
          }
        } finally {
          await validator.dispose();
        }
      }
      const average = (pick: (s: SegmentationMetrics) => number[]) =>
        Array.from(
          { length: classes },
          (_, k) => scores.reduce((a, s) => a + pick(s)[k], 0) / Math.max(1, scores.length),
        );
      const dice = average((s) => s.dice);
      const iou = average((s) => s.iou);
      const mean = (v: number[]) =>
        v.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, classes - 1);
      const record: EpochRecord = {
        epoch,
        loss: lossSum / options.stepsPerEpoch,
        dice,
        iou,
        meanDice: mean(dice),
        meanIou: mean(iou),
        seconds: (Date.now() - epochStart) / 1000,
      };
      state.history.push(record);
      state.epoch = epoch;
      state.rngState = rng.seed;
      const trainedCard: ModelCard = {
        ...card,
        trainedOn: run.train.map((c) => c.id),
        metrics: { meanDice: record.meanDice, meanIou: record.meanIou, epoch },
      };
      const weights = await trainer.weights();
      const adam = await trainer.adam();
      if (record.meanDice > state.bestMeanDice) {
        state.bestMeanDice = record.meanDice;
        bestDir = await writeCheckpoint(run.checkpointDir, 'best', weights, trainedCard);
      }
      await writeCheckpoint(run.checkpointDir, 'last', weights, trainedCard, { adam, state });
      lastGood = { weights, adam };
      run.onEpoch?.(record);
    }
  } finally {
    await trainer.dispose();
  }
  return { bestDir, state };
}
