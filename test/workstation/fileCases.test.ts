// The CLI's cases through the workstation: an image file and its labels file held as an open
// volume and labelmap (only where the workstation allows file cases), bad files refused as
// invalid_input naming them, and a training on them recording the files so that a resume reads
// them again, which a workstation without file cases (the app) refuses.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import type { ApiEvent } from '../../src/api/events';
import { ApiError } from '../../src/api/errors';
import { buildSegmenter, configFromCard, saveModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { writeNifti } from '../../src/nifti/writeNifti';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import type { Workstation } from '../../src/workstation/Workstation';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const work = mkdtempSync(join(tmpdir(), 'file-cases-'));
const models = join(work, 'models');
const dataDir = join(work, 'data');
const image = join(work, 'case.nii.gz');
const labelsFile = join(work, 'case-labels.nii.gz');
const coarse = join(work, 'coarse-labels.nii.gz');
let labels: Uint8Array;
let dimensions: number[];
const open: Workstation[] = [];

function workstation(fileCases: boolean): Promise<Workstation> {
  return createWorkstation({
    seriesFolders: [],
    modelsDir: models,
    dataDir,
    version: 'test',
    backends: 'wasm',
    fileCases,
  }).then((w) => (open.push(w), w));
}

before(async () => {
  await tf.setBackend('wasm');
  const card = tinyCard({ kind: '2d', inputSpacing: [5, 5, 5], patchSize: [1, 32, 32] });
  await saveModel(join(models, 'tiny-2d'), buildSegmenter(configFromCard(card), { seed: 1 }), card);
  const c = colinCase('ch2bet.nii.gz', 5);
  labels = c.labels;
  dimensions = [...c.volume.geometry.dimensions];
  await writeNifti(image, c.volume.geometry, c.volume.voxels, { overwrite: false });
  await writeNifti(labelsFile, c.volume.geometry, c.labels, { overwrite: false });
  const other = colinCase('ch2bet.nii.gz', 8);
  await writeNifti(coarse, other.volume.geometry, other.labels, { overwrite: false });
});

after(async () => {
  for (const w of open) await w.close();
  rmSync(work, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => assert.fail('not refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApiError, String(error));
  return error;
}

/** The job's last event (done, cancelled or failed). */
function ended(w: Workstation, jobId: () => string): Promise<ApiEvent> {
  return new Promise((resolve) => {
    const off = w.onEvent((event) => {
      if (!('jobId' in event) || event.jobId !== jobId()) return;
      if (['training.done', 'job.cancelled', 'job.failed'].includes(event.type)) {
        off();
        resolve(event);
      }
    });
  });
}

test('image and labels files open as a volume and labelmap; bad files are invalid_input', async () => {
  const app = await workstation(false);
  assert.equal((await refusal(app.openFileCase(image, labelsFile))).code, 'forbidden');

  const cli = await workstation(true);
  const { volumeId, labelmapId } = await cli.openFileCase(image, labelsFile);
  assert.deepEqual([...cli.volume(volumeId).geometry.dimensions], dimensions);
  assert.deepEqual(cli.labelmap(labelmapId), labels);
  // a file is no library series: a SEG (which references DICOM images) is refused naming it
  const seg = await refusal(
    cli.handlers.exportSegmentation({
      labelmapId,
      format: 'dicom-seg',
      path: join(work, 'x.dcm'),
      overwrite: false,
      name: 'x',
      segments: [1, 2].map((index) => ({
        index,
        label: `label ${index}`,
        color: [255, 0, 0] as [number, number, number],
        kind: 'tissue' as const,
      })),
    }),
  );
  assert.equal(seg.code, 'invalid_input');
  assert.match(seg.message, /case\.nii\.gz, not a library series/);

  const missing = await refusal(cli.openFileCase(join(work, 'none.nii.gz'), labelsFile));
  assert.equal(missing.code, 'invalid_input');
  assert.match(missing.message, /none\.nii\.gz: no such file or folder/);
  const grid = await refusal(cli.openFileCase(image, coarse));
  assert.equal(grid.code, 'invalid_input');
  assert.match(grid.message, /coarse-labels\.nii\.gz/);
});

test('a training on file cases records the files; only a workstation with file cases resumes it', async () => {
  const cli = await workstation(true);
  const fileCase = await cli.openFileCase(image, labelsFile);
  const job = { id: '' };
  const cancelled = ended(cli, () => job.id);
  const started = await cli.handlers.startTraining({
    baseModelId: 'tiny-2d',
    name: 'file cases',
    kind: '2d',
    init: 'centre',
    cases: [fileCase],
    epochs: 2,
    stepsPerEpoch: 1,
    batchSize: 1,
  });
  job.id = started.jobId;
  await cli.handlers.cancelJob({ jobId: job.id });
  assert.equal((await cancelled).type, 'job.cancelled');
  const record = JSON.parse(
    readFileSync(join(dataDir, 'training', started.trainingId, 'job.json'), 'utf8'),
  ) as { train: unknown[]; validation: unknown[] };
  const file = { file: { image, labels: labelsFile } };
  assert.deepEqual(record.train, [file]);
  assert.deepEqual(record.validation, [file]);

  const app = await workstation(false);
  const refused = await refusal(app.handlers.resumeTraining({ trainingId: started.trainingId }));
  assert.match(refused.message, /file cases resume from the CLI/);

  const again = await workstation(true);
  const resumed = { id: '' };
  const done = ended(again, () => resumed.id);
  resumed.id = (await again.handlers.resumeTraining({ trainingId: started.trainingId })).jobId;
  const event = await done;
  assert.equal(event.type, 'training.done', JSON.stringify(event));
});
