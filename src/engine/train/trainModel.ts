import type { ModelCard } from '../../nn/modelCard';
import { createPredictor } from '../../nn/predictor';
import type { BatchNormMode, Segmenter } from '../../nn/segmenter';
import { slicesToChannels } from '../../nn/input';
import { tf } from '../../nn/tf';
import { createOptimizer, trainStep } from '../../nn/training';
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
}

export interface TrainingRun {
  /** the network to train (the starting weights) and its card; ignored when resuming */
  model: Segmenter;
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
 * last completed epoch's checkpoint stays.
 */
export async function trainModel(run: TrainingRun): Promise<TrainingResult> {
  const { options } = run;
  const resumed = run.resume ? await readResumePoint(run.checkpointDir, 'last') : null;
  const model = resumed?.model ?? run.model;
  const card = resumed?.card ?? run.card;
  const optimizer = createOptimizer({ learningRate: options.learningRate });
  if (resumed) await resumed.restoreOptimizer(optimizer);
  const state: TrainingState = resumed?.state ?? {
    epoch: 0,
    rngState: options.seed,
    bestMeanDice: -1,
    history: [],
  };
  const rng = new Random(state.rngState);
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
  const image = new Float32Array(options.batchSize * patchVoxels);
  const labels = new Uint8Array(options.batchSize * patchVoxels);
  const started = Date.now();
  const stepsTotal = (options.epochs - state.epoch) * options.stepsPerEpoch;
  let stepsDone = 0;
  const eta = () =>
    stepsDone ? ((Date.now() - started) / 1000 / stepsDone) * (stepsTotal - stepsDone) : null;
  let bestDir = `${run.checkpointDir}/best`;

  for (let epoch = state.epoch + 1; epoch <= options.epochs; epoch++) {
    const epochStart = Date.now();
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
      const [x, y] = tf.tidy(() => {
        const raw = tf.tensor5d(image, [options.batchSize, ...patch, 1]);
        return [
          slicesToChannels(raw, model.config.inChannels, card.input.slices),
          tf.tensor4d(Int32Array.from(labels), [options.batchSize, ...patch], 'int32'),
        ];
      });
      const loss = trainStep(model, optimizer, x as tf.Tensor5D, y as tf.Tensor4D, {
        batchNorm,
        learningRate: options.learningRate,
        weightDecay: options.weightDecay,
      });
      x.dispose();
      y.dispose();
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
      });
    }

    const predictor = createPredictor(model, card.input.slices);
    const plan = inferencePlan({
      id: 'training',
      dir: '',
      kind: 'network',
      name: card.name,
      classes: card.classes,
      card,
    });
    const scores: SegmentationMetrics[] = [];
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
      });
      const predicted = await inferVolume(c.volume, predictor, plan, {
        isCancelled: run.isCancelled,
      });
      scores.push(segmentationMetrics(predicted, c.labels, classes));
    }
    const average = (pick: (s: SegmentationMetrics) => number[]) =>
      Array.from(
        { length: classes },
        (_, k) => scores.reduce((a, s) => a + pick(s)[k], 0) / Math.max(1, scores.length),
      );
    const dice = average((s) => s.dice);
    const iou = average((s) => s.iou);
    const mean = (v: number[]) => v.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, classes - 1);
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
    if (record.meanDice > state.bestMeanDice) {
      state.bestMeanDice = record.meanDice;
      bestDir = await writeCheckpoint(run.checkpointDir, 'best', model, trainedCard);
    }
    await writeCheckpoint(run.checkpointDir, 'last', model, trainedCard, { optimizer, state });
    run.onEpoch?.(record);
  }
  optimizer.dispose();
  return { bestDir, state };
}
