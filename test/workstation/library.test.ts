// The library behind the api: the sample imported once, series listed and opened from the
// library after a restart, imports as jobs with progress, errors per file, cancel that leaves the
// library as it was, deletion.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ApiEvent } from '../../src/api/events';
import { apiEventSchema } from '../../src/api/events';
import { commandSchemas } from '../../src/api/commands';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';
import { LibraryService } from '../../src/workstation/library/LibraryService';
import { brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';

const work = mkdtempSync(join(tmpdir(), 'library-service-'));
after(() => rmSync(work, { recursive: true, force: true }));
const SAMPLE = join(process.cwd(), 'assets/sample');

function brainSeries(dir: string, factor = 4) {
  const { dims, voxels } = brainVoxels(factor);
  return writeSeries(dir, dims, voxels, ORIENTATIONS.axial, [factor, factor, factor], [0, 0, 0]);
}

/** A service on its own data folder, recording the events it emits. */
function service(dataDir: string) {
  const events: ApiEvent[] = [];
  const library = new LibraryService({
    dataDir,
    emit: (event) => events.push(apiEventSchema.parse(event)),
  });
  const until = async (jobId: string) => {
    for (;;) {
      const end = events.find(
        (e) => e.jobId === jobId && ['import.done', 'job.cancelled', 'job.failed'].includes(e.type),
      );
      if (end) return end;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { library, events, until };
}

test('the sample enters the library once and reopens from it after a restart', async () => {
  const dataDir = join(work, 'restart');
  const open = () =>
    createWorkstation({
      seriesFolders: [SAMPLE],
      modelsDir: join(process.cwd(), 'test/fixtures/models'),
      version: 'test',
      backends: 'cpu',
      dataDir,
    });
  const first = await open();
  const [listed] = commandSchemas.listSeries.result.parse(await first.handlers.listSeries({}));
  // the library's commands are validated like every other
  const refused = async (command: string, params: unknown, reason: RegExp) => {
    const response = await dispatch(first, { id: 1, command, params });
    assert.equal(response.ok, false, command);
    if (!response.ok) assert.match(response.error.message, reason);
  };
  await refused('importPaths', { paths: [] }, /bad params for importPaths: paths/);
  await refused('importPaths', { paths: ['/x'], replace: true }, /bad params for importPaths/);
  await refused('importUpload', { uploadId: 'up-nope' }, /no upload up-nope/);
  await refused('deleteSeries', { seriesId: 7 }, /bad params for deleteSeries: seriesId/);
  await refused('openSeries', { seriesId: 'not-there' }, /no series not-there/);
  await first.close();
  const direct = await readDicomFolder(SAMPLE);
  assert.equal(listed.seriesId, direct.description.seriesInstanceUid);
  assert.equal(listed.slices, direct.volume.geometry.dimensions[2]);
  assert.equal(listed.bytes, direct.volume.voxels.byteLength);
  assert.match(listed.thumbnailUrl, /^thumbnails\/[0-9a-f]{32}\.png$/);

  const second = await open();
  try {
    const series = await second.handlers.listSeries({});
    assert.equal(series.length, 1, 'the sample is recognised, not stored twice');
    assert.equal(series[0].importedAt, listed.importedAt);
    const info = await second.handlers.openSeries({ seriesId: listed.seriesId });
    const volume = second.volume(info.volumeId);
    assert.deepEqual(volume.geometry, direct.volume.geometry);
    assert.deepEqual(volume.voxels, direct.volume.voxels);
  } finally {
    await second.close();
  }
});

test('an import job reports progress, stores the series, lists bad files by name', async () => {
  const dir = join(work, 'incoming');
  const fixture = brainSeries(join(dir, 'brain'));
  writeFileSync(join(dir, 'notes.txt'), 'not a DICOM file');
  const whole = await readDicomFolder(fixture.dir);
  writeFileSync(join(dir, 'cut.dcm'), Buffer.alloc(200, 1));
  const { library, events, until } = service(join(work, 'data1'));
  const jobId = library.importPaths([dir]);
  const done = await until(jobId);
  assert.equal(done.type, 'import.done');
  if (done.type !== 'import.done') return;
  assert.deepEqual(done.imported, [fixture.seriesInstanceUid]);
  assert.equal(done.files, 47);
  const errors = done.errors.map((e) => e.path).sort();
  assert.deepEqual(errors, [join(dir, 'cut.dcm'), join(dir, 'notes.txt')]);
  assert.ok(done.errors.every((e) => e.message.includes(e.path)));
  const progress = events.filter((e) => e.type === 'import.progress');
  assert.ok(progress.some((e) => e.phase === 'scan' && e.done === e.total && e.total === 47));
  assert.ok(progress.some((e) => e.phase === 'read' && e.seriesFound === 1));
  const [summary] = library.list();
  assert.equal(summary.patientId, 'FIXTURE-1');
  assert.equal(summary.studyDate, '20261101');
  assert.equal(summary.seriesNumber, 2);
  assert.deepEqual(library.open(summary.seriesId).volume.voxels, whole.volume.voxels);

  const again = library.importPaths([fixture.dir]);
  const second = await until(again);
  assert.equal(second.type, 'import.done');
  if (second.type === 'import.done') {
    assert.deepEqual(second.imported, []);
    assert.deepEqual(second.existing, [fixture.seriesInstanceUid]);
  }
  assert.equal(library.list().length, 1);

  assert.equal(library.delete(summary.seriesId), true);
  assert.deepEqual(library.list(), []);
  assert.equal(library.delete(summary.seriesId), false);
});

test('a cancelled import leaves the library as it was, even after one series was stored', async () => {
  const dir = join(work, 'two');
  const study = { uid: '1.2.3.4', frameOfReference: '1.2.3.5' };
  const { dims, voxels } = brainVoxels(4);
  writeSeries(join(dir, 'a'), dims, voxels, ORIENTATIONS.axial, [4, 4, 4], [0, 0, 0], study);
  writeSeries(join(dir, 'b'), dims, voxels, ORIENTATIONS.coronal, [4, 4, 4], [0, 0, 0], study);
  const dataDir = join(work, 'data2');
  const { library, until } = service(dataDir);
  const before = brainSeries(join(work, 'kept'));
  await until(library.importPaths([before.dir]));
  const kept = library.list();
  assert.equal(kept.length, 1);

  // cancel while the second series is read, the first one being stored already
  let jobId = '';
  const watching = new LibraryService({
    dataDir,
    emit: (event) => {
      if (event.type === 'import.progress' && event.phase === 'read') {
        if (watching.list().length === 2) watching.cancel(jobId);
      }
      ended.push(event);
    },
  });
  const ended: ApiEvent[] = [];
  jobId = watching.importPaths([dir]);
  while (!ended.some((e) => e.jobId === jobId && e.type !== 'import.progress'))
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(
    ended.filter((e) => e.type !== 'import.progress').map((e) => e.type),
    ['job.cancelled'],
  );
  assert.ok(
    ended.some((e) => e.type === 'import.progress' && e.phase === 'read' && e.seriesFound === 2),
  );
  assert.deepEqual(watching.list(), kept);
  assert.deepEqual(
    readdirSync(join(dataDir, 'library', 'series')).filter((n) => n.startsWith('.')),
    [],
    'no temporary folder left',
  );
});

test('uploads: a fresh folder each, imported then removed; a discarded one is removed', async () => {
  const { library, until } = service(join(work, 'data3'));
  const fixture = brainSeries(join(work, 'upload-src'), 5);
  const uploadId = library.createUpload();
  const folder = library.uploadFolder(uploadId);
  assert.ok(folder);
  assert.notEqual(library.createUpload(), uploadId);
  for (const name of readdirSync(fixture.dir)) {
    writeFileSync(join(folder, name), readFileSync(join(fixture.dir, name)));
  }
  writeFileSync(join(folder, 'junk.bin'), 'junk');
  const done = await until(library.importUpload(uploadId));
  assert.equal(done.type, 'import.done');
  if (done.type === 'import.done') {
    assert.deepEqual(done.imported, [fixture.seriesInstanceUid]);
    // the user sees the names they uploaded, not the temporary folder
    assert.deepEqual(
      done.errors.map((e) => e.path),
      ['junk.bin'],
    );
    assert.ok(!done.errors[0].message.includes(folder));
  }
  assert.equal(library.uploadFolder(uploadId), null);
  assert.throws(() => library.importUpload(uploadId), /no upload/);
  assert.deepEqual(readdirSync(library.uploadsRoot).length, 1);

  const discarded = library.createUpload();
  assert.equal(library.cancel(discarded), true);
  assert.equal(library.uploadFolder(discarded), null);
  assert.deepEqual(readdirSync(library.uploadsRoot).length, 1);
  assert.equal(library.cancel('import-unknown'), false);
});

test('the series of the folders given at start head the list; a folder without one is refused', async () => {
  const dataDir = join(work, 'data4');
  const a = brainSeries(join(work, 'start-a'), 5);
  const b = brainSeries(join(work, 'start-b'), 6);
  const first = service(dataDir);
  await first.library.importFolders([a.dir]);
  await first.until(first.library.importPaths([b.dir]));
  assert.deepEqual(
    first.library.list().map((s) => s.seriesId),
    [a.seriesInstanceUid, b.seriesInstanceUid],
  );
  const second = service(dataDir);
  await second.library.importFolders([b.dir]);
  assert.deepEqual(
    second.library.list().map((s) => s.seriesId),
    [b.seriesInstanceUid, a.seriesInstanceUid],
  );
  const empty = mkdtempSync(join(work, 'empty-'));
  await assert.rejects(second.library.importFolders([empty]), /no DICOM image found/);
});
