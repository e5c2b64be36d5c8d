import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { configFromCard } from '../../nn/modelCard';
import type { ModelCard } from '../../nn/modelCard';
import { convertStateDict } from '../../nn/convert/convertStateDict';
import { buildSegmenter, disposeSegmenter } from '../../nn/segmenter';
import type { StateDict } from '../../nn/weights/hostTensor';
import { writeFileAtomic } from '../../volume/atomicWrite';
import type { EpochRecord } from './checkpoints';
import { compareReportHtml } from './compareReportHtml';
import type { TrainingOptions, TrainingProgress } from './trainModel';
import { trainModel } from './trainModel';
import { COMPARE_CONFIGURATIONS } from './compareConfigurations';

export { COMPARE_CONFIGURATIONS };
import type { TrainingCase } from './TrainingCase';

export interface CompareRow {
  name: string;
  kind: ModelCard['kind'];
  method: ModelCard['conversion']['method'];
  meanIou: number;
  meanDice: number;
  curve: EpochRecord[];
  seconds: number;
}

export interface CompareReport {
  classes: string[];
  trainCases: string[];
  validationCases: string[];
  budget: TrainingOptions;
  rows: CompareRow[];
}

export interface CompareRun {
  /** the 2D network's weights (PyTorch names and layout) every configuration starts from */
  weights2d: StateDict;
  /** the 3D network's card: architecture, widths, classes, spacing, intensity, 3D patch size */
  card: ModelCard;
  train: TrainingCase[];
  validation: TrainingCase[];
  options: TrainingOptions;
  outDir: string;
  onProgress?: (configuration: string, index: number, progress: TrainingProgress) => void;
  onEpoch?: (configuration: string, index: number, record: EpochRecord) => void;
  isCancelled?: () => boolean;
}

/**
 * Trains every configuration from the same 2D weights on the same cases with the same budget
 * and seed, and reports the best validation mean IoU of each (the paper's measure) with its
 * curve, as report.json and report.html in outDir.
 */
export async function compareConversions(run: CompareRun): Promise<CompareReport> {
  if (run.validation.length === 0)
    throw new Error('the comparison needs at least one validation case');
  const rows: CompareRow[] = [];
  for (const [index, configuration] of COMPARE_CONFIGURATIONS.entries()) {
    const card: ModelCard = {
      ...run.card,
      name: `${run.card.name}: ${configuration.name}`,
      kind: configuration.kind,
      conversion: {
        from: configuration.method === 'random' ? 'none' : '2d',
        method: configuration.method,
      },
      // The 2D network sees one slice at a time: its patches are one slice deep.
      patchSize:
        configuration.kind === '2d'
          ? [1, run.card.patchSize[1], run.card.patchSize[2]]
          : run.card.patchSize,
    };
    const config = configFromCard(card);
    const weights = convertStateDict(run.weights2d, config, {
      method: configuration.method === 'none' ? 'centre' : configuration.method,
    });
    const model = buildSegmenter(config, {
      weights,
      required: () => false,
      seed: run.options.seed,
    });
    const started = Date.now();
    try {
      const result = await trainModel({
        model,
        card,
        train: run.train,
        validation: run.validation,
        options: run.options,
        checkpointDir: join(
          run.outDir,
          `${index + 1}-${configuration.kind}-${configuration.method}`,
        ),
        onProgress: (p) => run.onProgress?.(configuration.name, index, p),
        onEpoch: (r) => run.onEpoch?.(configuration.name, index, r),
        isCancelled: run.isCancelled,
      });
      const curve = result.state.history;
      const best = curve.reduce((a, b) => (b.meanDice > a.meanDice ? b : a));
      rows.push({
        name: configuration.name,
        kind: configuration.kind,
        method: configuration.method,
        meanIou: Math.max(...curve.map((r) => r.meanIou)),
        meanDice: best.meanDice,
        curve,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      disposeSegmenter(model);
    }
  }
  const report: CompareReport = {
    classes: run.card.classes,
    trainCases: run.train.map((c) => c.id),
    validationCases: run.validation.map((c) => c.id),
    budget: run.options,
    rows,
  };
  await mkdir(run.outDir, { recursive: true });
  const encode = (text: string) => new TextEncoder().encode(text);
  await writeFileAtomic(
    join(run.outDir, 'report.json'),
    encode(JSON.stringify(report, null, 2) + '\n'),
    true,
  );
  await writeFileAtomic(join(run.outDir, 'report.html'), encode(compareReportHtml(report)), true);
  return report;
}
