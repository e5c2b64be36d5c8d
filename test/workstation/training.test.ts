import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
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
import { tinyCard } from '../helpers/tinyCard';

const tiny2d = tinyCard({
  name: 'tiny 2D',
  kind: '2d',
  classes: ['background', 'brain'],
  // the 180 mm sample is 36 voxels across at 5 mm: larger than the 32-voxel patch
  inputSpacing: [5, 5, 5],
  patchSize: [1, 32, 32],
});

let workstation: Workstation;
before(async () => {
  await tf.setBackend('wasm');
  const models = mkdtempSync(join(tmpdir(), 'models-'));
  cpSync('test/fixtures/models', models, { recursive: true });
  await saveModel(
    join(models, 'tiny-2d'),
    buildSegmenter(configFromCard(tiny2d), { seed: 1 }),
    tiny2d,
  );
  workstation = await createWorkstation({
    seriesFolders: ['assets/sample'],
    modelsDir: models,
    version: 'test',
    backends: 'wasm',
    dataDir: mkdtempSync(join(tmpdir(), 'data-')),
  });
});
after(() => workstation.close());

function until<T extends ApiEvent['type']>(type: T): Promise<Extract<ApiEvent, { type: T }>> {
  return new Promise((resolve) => {
    const off = workstation.onEvent((e) => {
      if (e.type === type) {
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

test('startTraining fine-tunes on a case of the session and the new model joins the list', async () => {
  const [series] = await workstation.handlers.listSeries({});
  const { volumeId } = await call('openSeries', { seriesId: series.seriesId });
  const segmented = until('job.done');
  await call('runModel', { volumeId, modelId: 'skeleton-threshold' });
  const { labelmap } = await segmented;

  const epochs: number[] = [];
  workstation.onEvent((e) => e.type === 'training.epoch' && epochs.push(e.record.epoch));
  const progress: ApiEvent[] = [];
  workstation.onEvent((e) => e.type === 'job.progress' && progress.push(e));
  const done = until('training.done');
  const caseRef = { volumeId, labelmapId: labelmap.labelmapId };
  await call('startTraining', {
    baseModelId: 'tiny-2d',
    name: 'Brain mask ACS',
    kind: 'acs',
    init: 'centre',
    cases: [caseRef],
    validation: [caseRef],
    epochs: 2,
    stepsPerEpoch: 2,
    batchSize: 1,
  });
  const result = await done;
  assert.deepEqual(epochs, [1, 2]);
  assert.equal(result.history.length, 2);
  assert.ok(
    progress.some(
      (p) => p.type === 'job.progress' && p.phase === 'train' && typeof p.loss === 'number',
    ),
  );
  const models = await workstation.handlers.listModels({});
  assert.ok(models.some((m) => m.modelId === result.model.modelId && m.name === 'Brain mask ACS'));

  // The new model segments like any other.
  const again = until('job.done');
  await call('runModel', { volumeId, modelId: result.model.modelId });
  assert.equal((await again).labelmap.classes.length, 2);
});

test('training a fixed-weight model, or on a labelmap of another grid, is refused by name', async () => {
  const [series] = await workstation.handlers.listSeries({});
  const { volumeId } = await call('openSeries', { seriesId: series.seriesId });
  const params = {
    name: 'x',
    kind: 'acs',
    init: 'centre',
    validation: [],
    epochs: 1,
    stepsPerEpoch: 1,
    batchSize: 1,
  };
  await assert.rejects(
    call('startTraining', {
      ...params,
      baseModelId: 'skeleton-threshold',
      cases: [{ volumeId, labelmapId: 'lab-none' }],
    }),
    /fixed weights/,
  );
  await assert.rejects(
    call('startTraining', {
      ...params,
      baseModelId: 'tiny-2d',
      cases: [{ volumeId, labelmapId: 'lab-none' }],
    }),
    /no labelmap lab-none/,
  );
});
