import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import type { ApiEvent } from '../../src/api/events';
import { buildSegmenter, configFromCard, saveModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import type { Workstation } from '../../src/workstation/Workstation';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';
import { colinCase } from '../../scripts/mricronCases';
import { storeLibraryCases } from '../helpers/libraryCases';
import { tinyCard } from '../helpers/tinyCard';

// 5 mm Colin27 cases: 36 x 43 x 36 voxels, just above the 32-voxel patch at the card's spacing.
const tiny2d = tinyCard({
  name: 'tiny 2D',
  kind: '2d',
  inputSpacing: [5, 5, 5],
  patchSize: [1, 32, 32],
});

let workstation: Workstation;
let refs: { seriesId: string; segmentationId: string }[];
let unsegmented: string;
let modelsDir: string;
before(async () => {
  await tf.setBackend('wasm');
  const models = mkdtempSync(join(tmpdir(), 'models-'));
  modelsDir = models;
  await saveModel(
    join(models, 'tiny-2d'),
    buildSegmenter(configFromCard(tiny2d), { seed: 1 }),
    tiny2d,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'data-'));
  const bet = colinCase('ch2bet.nii.gz', 5);
  const withSkull = colinCase('ch2.nii.gz', 5);
  refs = await storeLibraryCases(dataDir, [
    { case: bet, description: 'Colin skull-stripped' },
    { case: withSkull, description: 'Colin with skull' },
    { case: bet, description: 'Colin again' },
    { case: withSkull, description: 'not annotated', segmented: false },
  ]);
  unsegmented = '1.2.826.0.1.3680043.99.4';
  workstation = await createWorkstation({
    seriesFolders: [],
    modelsDir: models,
    version: 'test',
    backends: 'wasm',
    dataDir,
  });
});
after(() => workstation.close());

function until<T extends ApiEvent['type']>(
  type: T,
  jobId?: () => string | undefined,
): Promise<Extract<ApiEvent, { type: T }>> {
  return new Promise((resolve) => {
    const off = workstation.onEvent((e) => {
      if (e.type === type && (!jobId || e.jobId === jobId())) {
        off();
        resolve(e as Extract<ApiEvent, { type: T }>);
      }
    });
  });
}

async function call(command: string, params: unknown) {
  const response = await dispatch(workstation, { id: 1, command, params });
  if (!response.ok) throw new Error(response.error.message);
  return response.result as Record<string, unknown>;
}

const budget = { epochs: 2, stepsPerEpoch: 2, batchSize: 1, seed: 7 };

test('listTrainingCases lists the library series that have a segmentation, with segment names', async () => {
  const cases = await workstation.handlers.listTrainingCases({});
  assert.deepEqual(
    cases.map((c) => c.seriesId),
    refs.map((r) => r.seriesId),
  );
  assert.ok(!cases.some((c) => c.seriesId === unsegmented));
  assert.deepEqual(
    cases[0].segmentations[0].segments.map((s) => s.label),
    ['grey matter', 'other brain'],
  );
  assert.match(cases[1].description, /Colin with skull/);
});

test('training on library cases splits them by seed, shows the split, and adds the model', async () => {
  const done = until('training.done');
  const result = (await call('startTraining', {
    baseModelId: 'tiny-2d',
    name: 'Library ACS',
    kind: 'acs',
    init: 'centre',
    libraryCases: refs,
    ...budget,
  })) as { jobId: string; split: { train: { name: string }[]; validation: { id: string }[] } };
  assert.equal(result.split.validation.length, 1);
  assert.equal(result.split.train.length, 2);
  assert.ok(result.split.train.every((c) => / \/ Segmentation \d/.test(c.name)));
  const finished = await done;
  assert.equal(finished.history.length, 2);
  const models = await workstation.handlers.listModels({});
  assert.ok(models.some((m) => m.modelId === finished.model.modelId));
  // the same seed and cases, picked in another order, give the same split
  const again = (await call('startTraining', {
    baseModelId: 'tiny-2d',
    name: 'Library ACS 2',
    kind: 'acs',
    init: 'centre',
    libraryCases: [...refs].reverse(),
    ...budget,
    epochs: 1,
    stepsPerEpoch: 1,
  })) as { jobId: string; split: { validation: { id: string }[] } };
  assert.deepEqual(again.split.validation, result.split.validation);
  await until('training.done');
});

test('an open case and a library case of one series are one series: never split across train and validation', async () => {
  const open = await workstation.handlers.openSeries({ seriesId: refs[0].seriesId });
  const labels = new Uint8Array(workstation.volume(open.volumeId).voxels.length);
  labels.fill(1, 0, labels.length >> 1);
  workstation.putLabelmap('edit-open', open.volumeId, labels);
  const params = { baseModelId: 'tiny-2d', name: 'x', kind: 'acs', init: 'centre', ...budget };
  type Split = {
    jobId: string;
    split: {
      train: { id: string; name: string }[];
      validation: { id: string; name: string }[];
      validatesOnTraining: boolean;
    };
  };
  const alone = (await call('startTraining', {
    ...params,
    epochs: 1,
    stepsPerEpoch: 1,
    cases: [{ volumeId: open.volumeId, labelmapId: 'edit-open' }],
    libraryCases: [refs[0]],
  })) as Split;
  await until('training.done', () => alone.jobId);
  // one series, twice: it says so rather than validating one name on the other
  assert.equal(alone.split.validatesOnTraining, true);
  const names = alone.split.train.map((c) => c.name).sort();
  assert.equal(names.length, 2);
  assert.match(names[0], /^Case 1 · Colin skull-stripped \/ Segmentation \d$/);
  assert.equal(names[1], 'Case 1 · Colin skull-stripped / the open segmentation');
  assert.ok(!names.some((n) => n.includes(open.volumeId)), 'no internal volume id is shown');

  // three cases of two series: whatever the seed, the open series' two cases fall together
  for (const seed of [1, 2, 3, 4, 5]) {
    const run = (await call('startTraining', {
      ...params,
      epochs: 1,
      stepsPerEpoch: 1,
      seed,
      validationShare: 0.5,
      cases: [{ volumeId: open.volumeId, labelmapId: 'edit-open' }],
      libraryCases: [refs[0], refs[1]],
    })) as Split;
    await until('training.done', () => run.jobId);
    const trained = run.split.train.map((c) => c.name.split(' / ')[0]);
    const validated = run.split.validation.map((c) => c.name.split(' / ')[0]);
    assert.equal(run.split.validatesOnTraining, false);
    assert.ok(!validated.some((series) => trained.includes(series)), JSON.stringify(run.split));
  }

  // a validation case the caller names from a series that also trains: the split says so
  const named = (await call('startTraining', {
    ...params,
    epochs: 1,
    stepsPerEpoch: 1,
    libraryCases: [refs[0]],
    validation: [{ volumeId: open.volumeId, labelmapId: 'edit-open' }],
  })) as Split;
  await until('training.done', () => named.jobId);
  assert.equal(named.split.validatesOnTraining, true);
  assert.deepEqual(
    named.split.validation.map((c) => c.name),
    ['Case 1 · Colin skull-stripped / the open segmentation'],
  );
  await workstation.handlers.closeVolume({ volumeId: open.volumeId, discardUnsaved: true });
});

test('a case without segmentation, foreign labels and a too small volume are refused by name', async () => {
  const params = { baseModelId: 'tiny-2d', name: 'x', kind: 'acs', init: 'centre', ...budget };
  await assert.rejects(
    call('startTraining', {
      ...params,
      libraryCases: [{ seriesId: unsegmented, segmentationId: 'seg-1' }],
    }),
    /has no segmentation: draw or import one/,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'data-bad-'));
  const bad = colinCase('ch2bet.nii.gz', 5);
  bad.labels[bad.labels.length >> 1] = 5;
  // 20 middle slices: 100 mm deep, less than the patch's 32 x 5 mm
  const whole = colinCase('ch2bet.nii.gz', 5);
  const [nx, ny, nz] = whole.volume.geometry.dimensions;
  const from = nx * ny * ((nz >> 1) - 10);
  const to = from + nx * ny * 20;
  const small = {
    id: 'small',
    volume: {
      geometry: { ...whole.volume.geometry, dimensions: [nx, ny, 20] as [number, number, number] },
      voxels: whole.volume.voxels.slice(from, to),
    },
    labels: whole.labels.slice(from, to),
  };
  const [badRef, smallRef] = await storeLibraryCases(dataDir, [
    { case: bad, description: 'five labels' },
    { case: small, description: 'small' },
  ]);
  const other = await createWorkstation({
    seriesFolders: [],
    modelsDir,
    version: 'test',
    backends: 'wasm',
    dataDir,
  });
  try {
    const start = (ref: typeof badRef) =>
      other.handlers.startTraining({ ...params, kind: 'acs', libraryCases: [ref] } as never);
    await assert.rejects(
      start(badRef),
      /label 5 is not one of the model's classes \(0 background, 1 grey matter, 2 other brain\)/,
    );
    await assert.rejects(start(smallRef), /smaller than the 32 x 32 x 32 training patch/);
  } finally {
    await other.close();
  }
});

test('a cancelled training is listed as resumable and resumes from its last checkpoint', async () => {
  const job: { id?: string } = {};
  const firstEpoch = until('training.epoch', () => job.id);
  const cancelled = until('job.cancelled', () => job.id);
  const started = (await call('startTraining', {
    baseModelId: 'tiny-2d',
    name: 'Resumed ACS',
    kind: 'acs',
    init: 'average',
    libraryCases: refs,
    ...budget,
    epochs: 3,
  })) as { jobId: string; trainingId: string };
  job.id = started.jobId;
  // a running training is not offered for resume, nor can it be resumed twice
  assert.ok(
    !(await workstation.handlers.listResumableTrainings({})).some(
      (r) => r.trainingId === started.trainingId,
    ),
  );
  await assert.rejects(call('resumeTraining', { trainingId: started.trainingId }), /is running/);
  await firstEpoch;
  await call('cancelJob', { jobId: job.id });
  await cancelled;
  const resumable = await workstation.handlers.listResumableTrainings({});
  const entry = resumable.find((r) => r.trainingId === started.trainingId);
  assert.ok(entry, 'the cancelled training is resumable');
  assert.equal(entry.status, 'cancelled');
  assert.ok(entry.epochsDone >= 1 && entry.epochsDone < 3);

  const epochs: number[] = [];
  const resumedJob: { id?: string } = {};
  workstation.onEvent((e) => {
    if (e.type === 'training.epoch' && e.jobId === resumedJob.id) epochs.push(e.record.epoch);
  });
  const done = until('training.done', () => resumedJob.id);
  const resumed = (await call('resumeTraining', { trainingId: started.trainingId })) as {
    jobId: string;
    epochsDone: number;
    history: unknown[];
  };
  resumedJob.id = resumed.jobId;
  assert.equal(resumed.epochsDone, entry.epochsDone);
  assert.equal(resumed.history.length, entry.epochsDone);
  const finished = await done;
  assert.deepEqual(
    epochs,
    Array.from({ length: 3 - entry.epochsDone }, (_, k) => entry.epochsDone + k + 1),
  );
  assert.equal(finished.history.length, 3);
  const after = await workstation.handlers.listResumableTrainings({});
  assert.ok(!after.some((r) => r.trainingId === started.trainingId));
  await assert.rejects(call('resumeTraining', { trainingId: started.trainingId }), /has finished/);
});

test('the comparison runs as a job: six configurations, a table, curves and its report', async () => {
  const job: { id?: string } = {};
  const epochs = new Set<string>();
  workstation.onEvent((e) => {
    if (e.type === 'compare.epoch' && e.jobId === job.id) epochs.add(e.configuration);
  });
  const done = until('compare.done', () => job.id);
  const started = (await call('startCompare', {
    baseModelId: 'tiny-2d',
    libraryCases: refs.slice(0, 2),
    epochs: 1,
    stepsPerEpoch: 1,
    batchSize: 1,
  })) as { jobId: string; reportDir: string };
  job.id = started.jobId;
  const report = await done;
  assert.equal(report.rows.length, 6);
  assert.equal(epochs.size, 6);
  for (const row of report.rows) assert.ok(row.meanIou >= 0 && row.meanIou <= 1);
  const json = JSON.parse(readFileSync(join(started.reportDir, 'report.json'), 'utf8')) as {
    rows: { meanIou: number }[];
  };
  assert.deepEqual(
    json.rows.map((r) => r.meanIou),
    report.rows.map((r) => r.meanIou),
  );
  assert.ok(existsSync(join(started.reportDir, 'report.html')));
  await assert.rejects(
    call('startCompare', {
      baseModelId: 'tiny-2d',
      libraryCases: [refs[0]],
      epochs: 1,
      stepsPerEpoch: 1,
      batchSize: 1,
    }),
    /at least two cases/,
  );
});
