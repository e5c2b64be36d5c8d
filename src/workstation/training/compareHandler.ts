import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CommandParams, CommandResult } from '../../api/commands';
import { ApiError } from '../../api/errors';
import { COMPARE_CONFIGURATIONS } from '../../engine/train/compareConfigurations';
import type { TrainingProgress } from '../../engine/train/trainModel';
import type { ModelCard } from '../../nn/modelCard';
import { caseKey } from './caseKey';
import type { caseSources } from './caseSources';
import { checkCase } from './checkCase';
import { networkCard } from './networkCard';
import { progressEmitter } from './progressEmitter';
import { crossValidationFolds } from './splitCases';
import type { TrainingHost } from './TrainingHost';

/**
 * `startCompare`: the six configurations of the transfer-learning paper from one 2D model, on
 * the same cases split into the same cross-validation folds (by content), in the engine.
 */
export function compareHandler(
  host: TrainingHost,
  sources: ReturnType<typeof caseSources>,
): (params: CommandParams<'startCompare'>) => Promise<CommandResult<'startCompare'>> {
  return async (params) => {
    const base = host.model(params.baseModelId);
    const card2d = networkCard(base);
    if (card2d.kind !== '2d') {
      throw new ApiError(
        'invalid_input',
        `the comparison starts from 2D weights: ${base.name} is a ${card2d.kind} model`,
      );
    }
    const patchSize = params.patchSize ?? [
      Math.max(card2d.patchSize[1], 32),
      card2d.patchSize[1],
      card2d.patchSize[2],
    ];
    const resolved = await Promise.all([
      ...(params.cases ?? []).map((open) => sources.resolve({ open })),
      ...(params.libraryCases ?? []).map((ref) => sources.resolve({ library: ref })),
    ]);
    const card3d: ModelCard = { ...card2d, kind: 'acs', patchSize };
    for (const c of resolved) checkCase(c, card3d);
    // Each case by its content: the same cases give the same folds, whatever ids, paths or
    // order they come with; its name (file or series / segmentation) is what the report shows.
    const names = [
      ...(params.cases ?? []).map(({ volumeId }, n) => {
        const file = host.files?.of(volumeId);
        return file ? basename(file.image) : resolved[n].name;
      }),
      ...(await Promise.all(
        (params.libraryCases ?? []).map((ref) => sources.caseName({ library: ref })),
      )),
    ];
    const cases = resolved.map((c, n) => ({
      id: caseKey(c.volume, c.labels),
      name: names[n],
      volume: c.volume,
      labels: c.labels,
    }));
    const seed = params.seed ?? 1;
    let plan;
    try {
      plan = crossValidationFolds(
        cases,
        (c) => c.id,
        seed,
        params.folds ?? Math.min(cases.length, 5),
        params.repeats ?? 1,
      );
    } catch (error) {
      throw new ApiError('invalid_input', (error as Error).message);
    }
    const keys = (list: { id: string }[]) => list.map((c) => c.id);
    const folds = plan.map((f) => ({
      ...f,
      train: keys(f.train),
      validation: keys(f.validation),
      test: keys(f.test),
    }));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const reportDir = join(host.dataDir(), 'compare', `${stamp}-${randomUUID().slice(0, 8)}`);
    await mkdir(reportDir, { recursive: true });
    const jobId = `job-${randomUUID()}`;
    const perRun = params.epochs * params.stepsPerEpoch;
    const perConfiguration = perRun * folds.length;
    const emitters = new Map<string, (p: TrainingProgress) => void>();
    const job = host.engine().compare(
      jobId,
      {
        base,
        patchSize,
        depthStrides: params.depthStrides ?? true,
        normalisation: params.normalisation ?? 'calibrated',
        cases: [...cases].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        folds,
        options: {
          epochs: params.epochs,
          stepsPerEpoch: params.stepsPerEpoch,
          batchSize: params.batchSize,
          seed,
        },
        outDir: reportDir,
      },
      {
        onProgress: (configuration, index, run, p) => {
          let emit = emitters.get(`${index}/${run}`);
          if (!emit) {
            emit = progressEmitter(
              host,
              jobId,
              COMPARE_CONFIGURATIONS.length * perConfiguration,
              params.stepsPerEpoch,
              (q) => index * perConfiguration + run * perRun + (q.epoch - 1) * params.stepsPerEpoch,
              `${configuration} (fold ${run + 1}/${folds.length}): `,
            );
            emitters.set(`${index}/${run}`, emit);
          }
          emit(p);
        },
        onEpoch: (configuration, index, run, record) =>
          host.emit({ type: 'compare.epoch', jobId, configuration, index, run, record }),
      },
    );
    host.track(jobId, job, 'comparison');
    job.result.then(
      (report) => host.emit({ type: 'compare.done', jobId, rows: report.rows, reportDir }),
      () => undefined,
    );
    return {
      jobId,
      reportDir,
      cases: cases.map((c) => ({ key: c.id, name: c.name })),
      folds,
    };
  };
}
