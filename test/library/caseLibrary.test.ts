// The case library: store once, recognise on re-import, reopen fast and exactly, and never show
// half a case, even when the process writing it is killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { CaseLibrary, LibraryError } from '../../src/library/CaseLibrary';
import { importPaths } from '../../src/library/importPaths';
import { readNifti } from '../../src/nifti/readNifti';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import { snapshot } from '../fixtures/librarySnapshot';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';

const TEMPLATES = '/usr/share/mricron/templates';
const work = mkdtempSync(join(tmpdir(), 'library-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('an imported series reopens with the same voxels and geometry, in well under a second', async () => {
  const dir = join(work, 'series');
  writeDicomSeries(
    dir,
    permute(downsample(place(readNifti(join(TEMPLATES, 'ch2.nii.gz')).volume), 2), PLANES.sagittal),
    { description: 'sagittal head', patientName: 'Colin^27', modality: 'MR' },
  );
  const library = new CaseLibrary(join(work, 'lib1'));
  const report = await importPaths([dir], library);
  assert.equal(report.imported.length, 1);
  const record = report.imported[0];
  assert.equal(record.patientName, 'Colin^27');
  assert.equal(record.seriesDescription, 'sagittal head');
  const direct = await readDicomFolder(dir);
  const started = performance.now();
  const { volume } = new CaseLibrary(library.root).open(record.seriesId);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 250, `reopened in ${elapsed.toFixed(0)} ms`);
  assert.deepEqual(volume.geometry, direct.volume.geometry);
  assert.deepEqual(volume.voxels, direct.volume.voxels);
  assert.deepEqual(
    library.list().map((r) => r.seriesId),
    [record.seriesId],
  );
  const png = library.thumbnail(record.seriesId);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test('a NIfTI volume or labelmap imports and reopens in the same LPS geometry', async () => {
  const library = new CaseLibrary(join(work, 'lib2'));
  const path = join(TEMPLATES, 'aal.nii.gz');
  const report = await importPaths([path], library);
  assert.equal(report.imported.length, 1);
  const { record, volume } = library.open(report.imported[0].seriesId);
  assert.equal(record.source, 'nifti');
  assert.equal(record.seriesDescription, 'aal');
  const direct = readNifti(path).volume;
  assert.deepEqual(volume.geometry, direct.geometry);
  assert.deepEqual(volume.voxels, direct.voxels);
  const again = await importPaths([path], library);
  assert.equal(again.existing.length, 1);
});

test('saving over a stored series needs replace, and replacing swaps it whole', async () => {
  const library = new CaseLibrary(join(work, 'lib3'));
  const volume = {
    geometry: {
      dimensions: [2, 2, 2] as [number, number, number],
      spacing: [1, 1, 1] as [number, number, number],
      origin: [0, 0, 0] as [number, number, number],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ],
    },
    voxels: new Int16Array(8).fill(1),
  };
  const series = {
    seriesId: '1.2.3',
    source: 'dicom' as const,
    patientName: '',
    patientId: '',
    studyInstanceUid: '',
    studyDate: '',
    studyDescription: '',
    seriesDescription: 'x',
    seriesNumber: 1,
    modality: 'CT',
    warnings: [],
  };
  library.save(series, volume);
  assert.throws(() => library.save(series, volume), LibraryError);
  library.save(series, { ...volume, voxels: new Int16Array(8).fill(2) }, { replace: true });
  assert.deepEqual([...library.open('1.2.3').volume.voxels], new Array(8).fill(2));
  assert.equal(readdirSync(library.seriesRoot).length, 1, 'no temporary folder left');
});

test('a save killed at any moment leaves either no case or the whole case, and the rest intact', async () => {
  const root = join(work, 'lib4');
  const library = new CaseLibrary(root);
  library.save(
    {
      seriesId: 'kept',
      source: 'dicom',
      patientName: '',
      patientId: '',
      studyInstanceUid: '',
      studyDate: '',
      studyDescription: '',
      seriesDescription: 'kept',
      seriesNumber: 1,
      modality: 'CT',
      warnings: [],
    },
    {
      geometry: {
        dimensions: [4, 4, 4],
        spacing: [1, 1, 1],
        origin: [0, 0, 0],
        direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      },
      voxels: new Uint8Array(64).fill(3),
    },
  );
  const kept = snapshot(join(root, 'series'));
  for (const delay of [20, 80, 200]) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/saveInChild.ts', root, `big-${delay}`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('saving')) setTimeout(() => child.kill('SIGKILL'), delay);
      });
      child.on('exit', () => resolve());
    });
    const reopened = new CaseLibrary(root);
    const ids = reopened.list().map((r) => r.seriesId);
    assert.ok(ids.includes('kept'));
    if (ids.includes(`big-${delay}`)) {
      assert.equal(reopened.open(`big-${delay}`).volume.voxels.length, 512 * 512 * 400);
    } else {
      assert.equal(reopened.has(`big-${delay}`), false);
    }
    reopened.sweep();
    assert.ok(readdirSync(reopened.seriesRoot).every((n) => !n.startsWith('.')));
  }
  const after_ = snapshot(join(root, 'series'));
  for (const [path, fingerprint] of kept) assert.equal(after_.get(path), fingerprint);
  assert.ok(existsSync(root));
});

test('a library that cannot be written fails each series by name, as a library problem', async () => {
  const dir = join(work, 'unwritable-input');
  writeDicomSeries(
    dir,
    permute(downsample(place(readNifti(join(TEMPLATES, 'ch2bet.nii.gz')).volume), 6), PLANES.axial),
  );
  const library = new CaseLibrary(join(work, 'lib5'));
  // Its series folder replaced by a file: every write under it fails (ENOTDIR), even as root.
  rmSync(library.seriesRoot, { recursive: true });
  writeFileSync(library.seriesRoot, '');
  const report = await importPaths([dir], library);
  assert.equal(report.imported.length, 0);
  assert.equal(report.failed.length, 1);
  assert.equal(report.failed[0].problem, 'library');
  assert.match(report.failed[0].message, /ENOTDIR/);
  assert.ok(report.failed[0].message.startsWith(dir));
});
