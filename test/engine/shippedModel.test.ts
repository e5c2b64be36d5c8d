import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiEvent } from '../../src/api/events';
import { segmentationMetrics } from '../../src/engine/train/metrics';
import { resample } from '../../src/volume/resample';
import type { Workstation } from '../../src/workstation/Workstation';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { colinCase } from '../../scripts/mricronCases';

let workstation: Workstation;
before(async () => {
  workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'assets/models'),
    version: 'test',
    backends: 'wasm,cpu',
    dataDir: mkdtempSync(join(tmpdir(), 'workstation-data-')),
  });
});
after(() => workstation.close());

test('the shipped model segments the bundled sample into brain tissue, as its atlas says', async () => {
  const [model] = await workstation.handlers.listModels({});
  assert.equal(model.modelId, 'brain-tissue-acs');
  const [series] = await workstation.handlers.listSeries({});
  const info = await workstation.handlers.openSeries({ seriesId: series.seriesId });
  const done = new Promise<ApiEvent>((resolve) =>
    workstation.onEvent((e) => e.type !== 'job.progress' && resolve(e)),
  );
  await workstation.handlers.runModel({ volumeId: info.volumeId, modelId: model.modelId });
  const event = await done;
  if (event.type !== 'job.done') assert.fail(`the job ended with ${event.type}`);
  const labels = workstation.labelmap(event.labelmap.labelmapId);
  // The atlas labels on the sample's grid: same voxel centres, other axis directions.
  const atlas = colinCase('ch2bet.nii.gz', 2);
  const truth = resample(
    atlas.labels,
    atlas.volume.geometry,
    info.geometry,
    'nearest',
    new Uint8Array(labels.length),
  );
  const metrics = segmentationMetrics(labels, truth as Uint8Array, 3);
  console.log(
    `shipped model on the sample: Dice ${metrics.dice.map((d) => d.toFixed(3)).join(', ')}`,
  );
  assert.ok(metrics.dice[0] > 0.9, `background Dice ${metrics.dice[0]}`);
  assert.ok(metrics.meanDice > 0.5, `mean Dice ${metrics.meanDice}`);
  // label 1 is the AAL atlas' region mask, named so (issue 13), and the card says MR
  assert.deepEqual(event.labelmap.classes, ['background', 'AAL atlas regions', 'other brain']);
  assert.equal(model.card?.modality, 'MR');
});
