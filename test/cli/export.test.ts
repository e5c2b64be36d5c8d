import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import { importPaths } from '../../src/library/importPaths';
import { writeNifti } from '../../src/nifti/writeNifti';
import { SegmentationStore } from '../../src/workstation/segmentations/SegmentationStore';
import { dciodvfy } from '../helpers/dicom3tools';
import type { Volume } from '../../src/volume/Volume';
import { runPythonJson } from '../helpers/python';
import { storeLibraryCases } from '../helpers/libraryCases';

const work = mkdtempSync(join(tmpdir(), 'cli-export-'));
after(() => rmSync(work, { recursive: true, force: true }));
const dataDir = join(work, 'data');
let sample: Volume;
let labels: Uint8Array;
let ref: { seriesId: string; segmentationId: string };

before(async () => {
  sample = (await readDicomFolder('assets/sample')).volume;
  labels = new Uint8Array(sample.voxels.length);
  // a block of label 1 and a smaller one of label 2
  const [nx, ny] = sample.geometry.dimensions;
  for (let z = 30; z < 40; z++)
    for (let y = 40; y < 60; y++)
      for (let x = 30; x < 50; x++) labels[(z * ny + y) * nx + x] = x < 35 ? 2 : 1;
  [ref] = await storeLibraryCases(dataDir, [
    {
      case: { id: 's', volume: sample, labels },
      description: 'sample',
      names: ['liver', 'lesion'],
    },
  ]);
});

function cli(...args: string[]) {
  return cliOn(dataDir, ...args);
}

function cliOn(data: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'export', ...args], {
    encoding: 'utf8',
    env: { ...process.env, WORKSTATION_DATA: data },
  });
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

test('cli export writes a library segmentation as NIfTI with its label table', () => {
  const out = join(work, 'seg.nii.gz');
  const run = cli('--series', ref.seriesId, '--segmentation', ref.segmentationId, '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const nib = runPythonJson<{ shape: number[]; ones: number; twos: number }>(
    'import sys, json, nibabel as nib, numpy as np; d = np.asarray(nib.load(sys.argv[1]).dataobj); print(json.dumps({"shape": list(d.shape), "ones": int((d == 1).sum()), "twos": int((d == 2).sum())}))',
    [out],
  );
  assert.deepEqual(nib.shape, sample.geometry.dimensions);
  assert.equal(nib.ones, 10 * 20 * 15);
  assert.equal(nib.twos, 10 * 20 * 5);
  const table = readFileSync(join(work, 'seg.labels.json'), 'utf8');
  assert.match(table, /liver/);
  assert.match(table, /lesion/);
  const again = cli('--series', ref.seriesId, '--segmentation', ref.segmentationId, '--out', out);
  assert.equal(again.status, 3);
  assert.match(again.stderr, /exists/);
  const missing = cli(
    '--series',
    ref.seriesId,
    '--segmentation',
    'seg-none',
    '--out',
    join(work, 'n.nii.gz'),
  );
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /no saved segmentation seg-none/);
});

test('cli export writes a NIfTI labelmap on a DICOM series as a DICOM SEG', async () => {
  const nifti = join(work, 'labels.nii.gz');
  await writeNifti(nifti, sample.geometry, labels, { overwrite: false });
  const out = join(work, 'seg.dcm');
  const run = cli(nifti, '--reference', 'assets/sample', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const bytes = readFileSync(out);
  assert.equal(bytes.subarray(128, 132).toString('latin1'), 'DICM');
  const seg = runPythonJson<{ modality: string; segments: number; frames: number }>(
    'import sys, json, pydicom; d = pydicom.dcmread(sys.argv[1]); print(json.dumps({"modality": d.Modality, "segments": len(d.SegmentSequence), "frames": int(d.NumberOfFrames)}))',
    [out],
  );
  assert.deepEqual(seg, { modality: 'SEG', segments: 2, frames: 20 });
  const noRef = cli(nifti, '--out', join(work, 'x.dcm'));
  assert.equal(noRef.status, 2);
});

test('cli export writes a SEG of a library series whose DICOM files are gone, from what import kept', async () => {
  // the sample imported from a copy, as a user imports a CD, then the copy deleted
  const data = join(work, 'imported');
  const copy = join(work, 'cd');
  cpSync('assets/sample', copy, { recursive: true });
  const report = await importPaths([copy], new CaseLibrary(join(data, 'library')));
  assert.equal(report.imported.length, 1);
  const seriesId = report.imported[0].seriesId;
  await new SegmentationStore(data).save({
    seriesId,
    segmentationId: 'seg-cd',
    name: 'From the CD',
    segments: [
      { index: 1, label: 'liver', color: [200, 40, 40], visible: true, locked: false },
      { index: 2, label: 'lesion', color: [40, 200, 40], visible: true, locked: false },
    ],
    revision: 1,
    labels,
  });
  rmSync(copy, { recursive: true });

  const out = join(work, 'library.seg.dcm');
  const args = ['--series', seriesId, '--segmentation', 'seg-cd', '--out', out];
  const fromLibrary = timed(() => cliOn(data, ...args));
  assert.equal(fromLibrary.value.status, 0, fromLibrary.value.stderr);
  assert.deepEqual(dciodvfy(out).errors, []);
  const seg = runPythonJson<{ series: string; frames: number; images: number }>(
    'import sys, json, pydicom; d = pydicom.dcmread(sys.argv[1]); r = d.ReferencedSeriesSequence[0]; print(json.dumps({"series": r.SeriesInstanceUID, "frames": int(d.NumberOfFrames), "images": len(r.ReferencedInstanceSequence)}))',
    [out],
  );
  assert.deepEqual(seg, { series: seriesId, frames: 20, images: sample.geometry.dimensions[2] });

  // the same SEG from a labelmap file and the DICOM folder: the series' pixels are decoded
  const nifti = join(work, 'timed.nii.gz');
  await writeNifti(nifti, sample.geometry, labels, { overwrite: false });
  const fromFiles = timed(() =>
    cli(nifti, '--reference', 'assets/sample', '--out', join(work, 'files.seg.dcm')),
  );
  assert.equal(fromFiles.value.status, 0, fromFiles.value.stderr);
  console.log(
    `cli export to SEG: ${fromLibrary.ms.toFixed(0)} ms from the library (source.json, no DICOM file read), ${fromFiles.ms.toFixed(0)} ms from the DICOM folder (pixels decoded)`,
  );

  // a library series takes no --reference: what it references is what import recorded
  const both = cliOn(data, ...args, '--reference', 'assets/sample');
  assert.equal(both.status, 2);
});
