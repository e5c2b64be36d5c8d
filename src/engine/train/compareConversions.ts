import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from '../../nn/architecture';
import { configFromCard } from '../../nn/modelCard';
import type { ModelCard } from '../../nn/modelCard';
import { convertStateDict } from '../../nn/convert/convertStateDict';
import { loadModel } from '../../nn/modelIo';
import { createPredictor } from '../../nn/predictor';
import { slicesToChannels } from '../../nn/input';
import { buildSegmenter, calibrateBatchNorm, disposeSegmenter } from '../../nn/segmenter';
import type { BatchNormMode, Segmenter } from '../../nn/segmenter';
import { tf } from '../../nn/tf';
import type { StateDict } from '../../nn/weights/hostTensor';
import { writeNifti } from '../../nifti/writeNifti';
import { writeFileAtomic } from '../../files/atomicWrite';
import { CancelledError } from '../inference/CancelledError';
import { inferVolume } from '../inference/inferVolume';
import type { Dims3 } from '../inference/patchGrid';
import { inferencePlan } from '../models/inferencePlan';
import type { EpochRecord } from './checkpoints';
import { COMPARE_CONFIGURATIONS, PAPER_TABLE_1 } from './compareConfigurations';
import { compareReportHtml } from './compareReportHtml';
import { pairedPermutationTest, spread, type Spread } from './compareStatistics';
import { segmentationMetrics } from './metrics';
import { prepareCase } from './prepareCase';
import { Random } from './random';
import { DEFAULT_AUGMENTATION, samplePatch } from './samplePatch';
import type { TrainingStatus } from '../backends/tfBackends';
import type { TrainingOptions, TrainingProgress } from './trainModel';
import { trainModel } from './trainModel';
import type { TrainingRuntime } from './trainerBackend';
import type { TrainingCase } from './TrainingCase';

export { COMPARE_CONFIGURATIONS };

/** A case of the comparison: `id` is its stable key (content hash), `name` what a reader knows it by. */
export interface CompareCase extends TrainingCase {
  name: string;
}

/**
 * How the configurations normalise while they fine-tune. 'batch': batch statistics wherever the
 * deepest stage has two values a channel in a step, else frozen running statistics.
 * 'calibrated': before fine-tuning, the running statistics are recomputed on the fold's training
 * patches (forward passes in training mode, no weight changes), then frozen while training.
 */
export type CompareNormalisation = 'batch' | 'calibrated';

/** Calibration's forward passes and their 3D patches each (2D: as many slices as they hold). */
const CALIBRATION = { passes: 4, patches: 8 };

/** One fold of the protocol, by case key (see the workstation's crossValidationFolds). */
export interface CompareFold {
  repeat: number;
  seed: number;
  fold: number;
  train: string[];
  validation: string[];
  test: string[];
  validatesOnTraining: boolean;
}

/** How one configuration trains: what the fairness of the comparison rests on. */
export interface ConfigurationPlan {
  name: string;
  kind: ModelCard['kind'];
  method: ModelCard['conversion']['method'];
  /** [depth, height, width]; the 2D network's is one slice of the 3D patch's height and width */
  patchSize: Dims3;
  batchSize: number;
  /** labelled voxels a step sees: batch x patch voxels, the same for every configuration */
  voxelsPerStep: number;
  batchNorm: BatchNormMode;
  /** values per channel the deepest batch norm normalises over in a step */
  deepestBatchNormValues: number;
  /** running statistics recomputed before fine-tuning: forward passes of `batch` patches */
  calibration: { passes: number; batch: number } | null;
}

/** Batch statistics need at least this many values per channel at the deepest stage. */
const MIN_BATCH_NORM_VALUES = 2;

/**
 * The configurations' training plans for a 3D patch and batch: every 3D and ACS configuration
 * takes the 3D patch; the 2D baseline takes slices of the same height and width (whole slices
 * where a slice fits in them), as many a step as the 3D batch has slices, so each step of each
 * configuration sees the same labelled voxels and the same in-plane field of view. Batch norm trains on the batch's statistics wherever the
 * deepest stage has at least two values per channel (else running statistics, said in the plan).
 */
export function comparePlan(
  card: ModelCard,
  batchSize: number,
  normalisation: CompareNormalisation = 'batch',
): ConfigurationPlan[] {
  const [d, h, w] = card.patchSize;
  return COMPARE_CONFIGURATIONS.map((c) => {
    const flat = c.kind === '2d';
    const patchSize: Dims3 = flat ? [1, h, w] : [d, h, w];
    const batch = flat ? batchSize * d : batchSize;
    const stride = describe(configFromCard(configurationCard(card, c.kind))).strides.at(-1) ?? 1;
    const inDepth = !flat && !(c.kind === '3d' && card.depthStrides === false);
    const deepest =
      batch *
      Math.ceil(patchSize[0] / (inDepth ? stride : 1)) *
      Math.ceil(h / stride) *
      Math.ceil(w / stride);
    return {
      name: c.name,
      kind: c.kind,
      method: c.method,
      patchSize,
      batchSize: batch,
      voxelsPerStep: batch * patchSize[0] * h * w,
      batchNorm: normalisation === 'batch' && deepest >= MIN_BATCH_NORM_VALUES ? 'batch' : 'frozen',
      deepestBatchNormValues: deepest,
      calibration:
        normalisation === 'calibrated'
          ? {
              passes: CALIBRATION.passes,
              batch: flat ? CALIBRATION.patches * d : CALIBRATION.patches,
            }
          : null,
    };
  });
}

/**
 * The card of one configuration's network: the 3D card's kind set, its depthStrides choice kept
 * for the inflated 3D network only (2D never strides in depth; ACS always does).
 */
function configurationCard(card: ModelCard, kind: ModelCard['kind']): ModelCard {
  const { depthStrides, ...rest } = card;
  return kind === '3d' && depthStrides === false
    ? { ...rest, kind, depthStrides }
    : { ...rest, kind };
}

/** One held-out case's figures from the model that its fold's validation selected. */
export interface HeldOutResult {
  repeat: number;
  fold: number;
  case: string;
  /** the predicted labelmap, relative to the report's folder (NIfTI, the case's grid) */
  labelmap: string;
  iou: number[];
  dice: number[];
}

export interface FoldResult {
  repeat: number;
  fold: number;
  seed: number;
  /** the epoch the validation cases chose (best mean Dice over the foreground classes) */
  selectedEpoch: number;
  validationMeanDice: number;
  /** mean over the fold's held-out cases, foreground classes */
  heldOutMeanIou: number;
  curve: EpochRecord[];
  seconds: number;
  /** the runtime that trained the fold's last step ('onnxruntime-cpu', 'wasm', ...) */
  backend: string;
}

export interface CompareRow {
  name: string;
  kind: ModelCard['kind'];
  method: ModelCard['conversion']['method'];
  plan: ConfigurationPlan;
  /** held-out mean IoU over the foreground classes, mean over cases (each averaged over repeats) */
  meanIou: number;
  sdIou: number;
  meanDice: number;
  sdDice: number;
  /** the same mean with the background class counted */
  meanIouWithBackground: number;
  sdIouWithBackground: number;
  /** per class, background (0) included, over the same case units */
  classIou: Spread[];
  classDice: Spread[];
  /** mean IoU of each repeat (mean over all cases): the spread over seeds */
  repeatMeanIou: number[];
  /** paired sign-flip test against the 2D baseline on the same cases (null for the baseline) */
  pVs2d: { meanIou: number; classIou: number[] } | null;
  folds: FoldResult[];
  heldOut: HeldOutResult[];
  /** validation mean IoU per epoch, averaged over the folds */
  curve: EpochRecord[];
  seconds: number;
  /** the transfer-learning paper's Table 1 figure for this configuration, where it has one */
  paperMeanIou: number | null;
}

export interface CompareReport {
  classes: string[];
  /** means named meanIou / meanDice exclude class 0, the background */
  background: string;
  base: { name: string; card: ModelCard };
  cases: { key: string; name: string; labels: string }[];
  protocol: {
    folds: number;
    repeats: number;
    seeds: number[];
    selection: string;
    unit: string;
    test: string;
  };
  folds: CompareFold[];
  budget: { epochs: number; stepsPerEpoch: number; batchSize3d: number; seed: number };
  /** whether the inflated 3D encoders stride and pool in depth (false: ZWI equals 2D exactly) */
  depthStrides: boolean;
  normalisation: CompareNormalisation;
  /**
   * What trained: the runtimes the folds' steps ran on, and why each was chosen (a fallback from
   * ONNX Runtime to tfjs names its reason here).
   */
  training: { backends: string[]; reasons: string[] };
  rows: CompareRow[];
}

export interface CompareRun {
  /** the 2D network's weights (PyTorch names and layout) every configuration starts from */
  weights2d: StateDict;
  /** the base 2D model's card, for the report */
  baseCard: ModelCard;
  /** the 3D network's card: architecture, widths, classes, spacing, intensity, 3D patch size */
  card: ModelCard;
  cases: CompareCase[];
  folds: CompareFold[];
  /** default 'batch' */
  normalisation?: CompareNormalisation;
  /** epochs, steps per epoch, the 3D batch and the base seed (each fold trains with its own) */
  options: TrainingOptions;
  outDir: string;
  /** which runtimes may train (default: tfjs on its current backend), as for `train` */
  runtime?: TrainingRuntime;
  /** the runtime a fold's training chose, or fell back to, and why */
  onBackend?: (status: TrainingStatus) => void;
  onProgress?: (configuration: string, index: number, run: number, p: TrainingProgress) => void;
  onEpoch?: (configuration: string, index: number, run: number, record: EpochRecord) => void;
  isCancelled?: () => boolean;
}

const foreground = (v: number[]) => v.slice(1).reduce((a, b) => a + b, 0) / (v.length - 1);
const all = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** The mean of equal-length records, field by field (the folds' curves, epoch by epoch). */
function meanCurve(curves: EpochRecord[][]): EpochRecord[] {
  const epochs = Math.min(...curves.map((c) => c.length));
  const avg = (pick: (r: EpochRecord) => number, e: number) =>
    curves.reduce((a, c) => a + pick(c[e]), 0) / curves.length;
  return Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    loss: avg((r) => r.loss, e),
    meanDice: avg((r) => r.meanDice, e),
    meanIou: avg((r) => r.meanIou, e),
    dice: curves[0][e].dice.map((_, k) => avg((r) => r.dice[k], e)),
    iou: curves[0][e].iou.map((_, k) => avg((r) => r.iou[k], e)),
    seconds: avg((r) => r.seconds, e),
  }));
}

/**
 * The transfer-learning paper's table on the user's cases, under a protocol a reader can check:
 * for every fold of a (repeated) k-fold cross-validation, each configuration starts from the same
 * 2D weights, trains on the fold's training cases with the same labelled voxels per step, keeps
 * the checkpoint its validation cases select, and that checkpoint segments the held-out cases,
 * whose labelmaps are written. The figures are means over held-out cases with their spread and a
 * paired test against the 2D baseline, per class and overall: report.json and report.html.
 */
export async function compareConversions(run: CompareRun): Promise<CompareReport> {
  const byKey = new Map(run.cases.map((c) => [c.id, c]));
  const cases = (keys: string[]) =>
    keys.map((k) => {
      const c = byKey.get(k);
      if (!c) throw new Error(`fold names case ${k}, which is not among the cases`);
      return c;
    });
  for (const f of run.folds) if (f.test.length === 0) throw new Error('a fold holds out no case');
  const normalisation = run.normalisation ?? 'batch';
  const plans = comparePlan(run.card, run.options.batchSize, normalisation);
  const classes = run.card.classes.length;
  await mkdir(join(run.outDir, 'cases'), { recursive: true });
  const tested = [...new Set(run.folds.flatMap((f) => f.test))].sort();
  const caseFiles = new Map<string, string>();
  for (const key of tested) {
    const c = byKey.get(key);
    if (!c) throw new Error(`fold names case ${key}, which is not among the cases`);
    const file = join('cases', `${key}-labels.nii.gz`);
    await writeNifti(join(run.outDir, file), c.volume.geometry, c.labels, { overwrite: true });
    caseFiles.set(key, file);
  }

  const statuses: TrainingStatus[] = [];
  const rows: CompareRow[] = [];
  for (const [index, plan] of plans.entries()) {
    const folds: FoldResult[] = [];
    const heldOut: HeldOutResult[] = [];
    const started = Date.now();
    for (const [runIndex, fold] of run.folds.entries()) {
      const card: ModelCard = {
        ...configurationCard(run.card, plan.kind),
        name: `${run.card.name}: ${plan.name}`,
        conversion: { from: plan.method === 'random' ? 'none' : '2d', method: plan.method },
        patchSize: plan.patchSize,
      };
      const config = configFromCard(card);
      const weights = convertStateDict(run.weights2d, config, {
        method: plan.method === 'none' ? 'centre' : plan.method,
      });
      const model = buildSegmenter(config, { weights, required: () => false, seed: fold.seed });
      if (plan.calibration) calibrate(model, card, cases(fold.train), plan.calibration, fold.seed);
      const dir = join(
        run.outDir,
        `r${fold.repeat + 1}-f${fold.fold + 1}`,
        `${index + 1}-${plan.kind}-${plan.method}`,
      );
      const foldStart = Date.now();
      let backend = '';
      let result;
      try {
        result = await trainModel({
          model,
          card,
          train: cases(fold.train),
          validation: cases(fold.validation),
          options: {
            ...run.options,
            batchSize: plan.batchSize,
            seed: fold.seed,
            batchNorm: plan.batchNorm,
          },
          checkpointDir: dir,
          onProgress: (p) => run.onProgress?.(plan.name, index, runIndex, p),
          onEpoch: (r) => run.onEpoch?.(plan.name, index, runIndex, r),
          isCancelled: run.isCancelled,
          runtime: run.runtime,
          onBackend: (status) => {
            backend = status.backend;
            statuses.push(status);
            run.onBackend?.(status);
          },
        });
      } finally {
        disposeSegmenter(model);
      }
      const curve = result.state.history;
      const selected = curve.reduce((a, b) => (b.meanDice > a.meanDice ? b : a));
      // The reported figures come from the saved checkpoint the validation selected, nothing else.
      const best = await loadModel(result.bestDir);
      try {
        const predictor = createPredictor(best.model, best.card.input.slices);
        const infer = inferencePlan({
          id: 'compare',
          dir: result.bestDir,
          kind: 'network',
          name: best.card.name,
          classes: best.card.classes,
          card: best.card,
        });
        const ious: number[] = [];
        for (const c of cases(fold.test)) {
          if (run.isCancelled?.()) throw new CancelledError();
          const predicted = await inferVolume(c.volume, predictor, infer, {
            isCancelled: run.isCancelled,
          });
          const m = segmentationMetrics(predicted, c.labels, classes);
          const labelmap = join(
            `r${fold.repeat + 1}-f${fold.fold + 1}`,
            `${index + 1}-${plan.kind}-${plan.method}`,
            `heldout-${c.id}.nii.gz`,
          );
          await writeNifti(join(run.outDir, labelmap), c.volume.geometry, predicted, {
            overwrite: true,
          });
          heldOut.push({
            repeat: fold.repeat,
            fold: fold.fold,
            case: c.id,
            labelmap,
            iou: m.iou,
            dice: m.dice,
          });
          ious.push(m.meanIou);
        }
        folds.push({
          repeat: fold.repeat,
          fold: fold.fold,
          seed: fold.seed,
          selectedEpoch: selected.epoch,
          validationMeanDice: selected.meanDice,
          heldOutMeanIou: all(ious),
          curve,
          seconds: (Date.now() - foldStart) / 1000,
          backend,
        });
      } finally {
        disposeSegmenter(best.model);
      }
    }
    rows.push(summarise(plan, folds, heldOut, tested, classes, (Date.now() - started) / 1000));
  }
  const baseline = rows[0];
  for (const row of rows.slice(1)) row.pVs2d = pairedVs(row, baseline, tested, classes);

  const repeats = Math.max(...run.folds.map((f) => f.repeat)) + 1;
  const report: CompareReport = {
    classes: run.card.classes,
    background: `meanIou and meanDice average the foreground classes (${run.card.classes.slice(1).join(', ')}), without ${run.card.classes[0]}; meanIouWithBackground counts it`,
    base: { name: run.baseCard.name, card: run.baseCard },
    cases: [...run.cases]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((c) => ({ key: c.id, name: c.name, labels: caseFiles.get(c.id) ?? '' })),
    protocol: {
      folds: Math.max(...run.folds.map((f) => f.fold)) + 1,
      repeats,
      seeds: [...new Set(run.folds.map((f) => f.seed))],
      selection:
        "each fold's validation cases choose the epoch of best mean Dice (foreground); that saved checkpoint alone segments the fold's held-out cases",
      unit: 'a held-out case, its figures averaged over the repeats; spread is the sample SD over cases',
      test: 'two-sided paired sign-flip permutation test against the 2D baseline over the same cases (exact up to 16 cases)',
    },
    folds: run.folds,
    budget: {
      epochs: run.options.epochs,
      stepsPerEpoch: run.options.stepsPerEpoch,
      batchSize3d: run.options.batchSize,
      seed: run.options.seed,
    },
    depthStrides: run.card.depthStrides !== false,
    normalisation,
    training: {
      backends: [...new Set(statuses.map((s) => s.backend))],
      reasons: [...new Set(statuses.map((s) => s.reason))],
    },
    rows,
  };
  const encode = (text: string) => new TextEncoder().encode(text);
  await writeFileAtomic(
    join(run.outDir, 'report.json'),
    encode(JSON.stringify(report, null, 2) + '\n'),
    true,
  );
  await writeFileAtomic(join(run.outDir, 'report.html'), encode(compareReportHtml(report)), true);
  return report;
}

/**
 * Running statistics for a network about to fine-tune with frozen batch norm: recomputed on
 * patches drawn from the fold's training cases as training draws them (its augmentation and
 * foreground share), from a generator of their own so that training's patches stay the same.
 */
function calibrate(
  model: Segmenter,
  card: ModelCard,
  train: CompareCase[],
  calibration: { passes: number; batch: number },
  seed: number,
): void {
  const prepared = train.map((c) =>
    prepareCase(c, card.inputSpacing, card.intensity, card.classes.length),
  );
  const rng = new Random(seed + 0x6a09e667);
  const voxels = card.patchSize[0] * card.patchSize[1] * card.patchSize[2];
  const batches = Array.from({ length: calibration.passes }, () => {
    const image = new Float32Array(calibration.batch * voxels);
    const labels = new Uint8Array(calibration.batch * voxels);
    for (let b = 0; b < calibration.batch; b++)
      samplePatch(
        prepared[rng.int(prepared.length)],
        card.patchSize,
        rng,
        DEFAULT_AUGMENTATION,
        image,
        labels,
        b * voxels,
      );
    return tf.tidy(
      () =>
        slicesToChannels(
          tf.tensor5d(image, [calibration.batch, ...card.patchSize, 1]),
          card.input.channels,
          card.input.slices,
        ) as tf.Tensor5D,
    );
  });
  try {
    calibrateBatchNorm(model, batches);
  } finally {
    tf.dispose(batches);
  }
}

/** Per case: its figures averaged over the repeats (the unit of the spread and of the test). */
function perCase(heldOut: HeldOutResult[], keys: string[], pick: (h: HeldOutResult) => number) {
  return keys.map((k) => all(heldOut.filter((h) => h.case === k).map(pick)));
}

function summarise(
  plan: ConfigurationPlan,
  folds: FoldResult[],
  heldOut: HeldOutResult[],
  keys: string[],
  classes: number,
  seconds: number,
): CompareRow {
  const iou = spread(perCase(heldOut, keys, (h) => foreground(h.iou)));
  const dice = spread(perCase(heldOut, keys, (h) => foreground(h.dice)));
  const withBackground = spread(perCase(heldOut, keys, (h) => all(h.iou)));
  const repeats = Math.max(...folds.map((f) => f.repeat)) + 1;
  return {
    name: plan.name,
    kind: plan.kind,
    method: plan.method,
    plan,
    meanIou: iou.mean,
    sdIou: iou.sd,
    meanDice: dice.mean,
    sdDice: dice.sd,
    meanIouWithBackground: withBackground.mean,
    sdIouWithBackground: withBackground.sd,
    classIou: Array.from({ length: classes }, (_, k) =>
      spread(perCase(heldOut, keys, (h) => h.iou[k])),
    ),
    classDice: Array.from({ length: classes }, (_, k) =>
      spread(perCase(heldOut, keys, (h) => h.dice[k])),
    ),
    repeatMeanIou: Array.from({ length: repeats }, (_, r) =>
      all(heldOut.filter((h) => h.repeat === r).map((h) => foreground(h.iou))),
    ),
    pVs2d: null,
    folds,
    heldOut,
    curve: meanCurve(folds.map((f) => f.curve)),
    seconds,
    paperMeanIou: PAPER_TABLE_1[plan.method === 'none' ? plan.kind : plan.method] ?? null,
  };
}

function pairedVs(row: CompareRow, baseline: CompareRow, keys: string[], classes: number) {
  const test = (pick: (h: HeldOutResult) => number) =>
    pairedPermutationTest(perCase(row.heldOut, keys, pick), perCase(baseline.heldOut, keys, pick));
  return {
    meanIou: test((h) => foreground(h.iou)),
    classIou: Array.from({ length: classes }, (_, k) => test((h) => h.iou[k])),
  };
}
