// Enhanced multi-frame MR (per-frame functional groups, frames stored out of order) reads as the
// volume its single-frame images make, and as dcm2niix reads it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { loadSeries, scanSeries } from '../../src/dicom/series';
import { readNifti } from '../../src/nifti/readNifti';
import { runDcm2niix } from '../fixtures/dcm2niix';
import { PLANES, downsample, permute, place, rotate } from '../fixtures/reslice';
import { compareVolumes } from '../fixtures/sameVolume';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';

const work = mkdtempSync(join(tmpdir(), 'enhanced-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('an oblique coronal enhanced MR object matches its single frames and dcm2niix', async () => {
  const single = join(work, 'single');
  const coronal = permute(
    downsample(place(readNifti('/usr/share/mricron/templates/ch2.nii.gz').volume), 4),
    [
      [0, true],
      [2, true],
      [1, true],
    ],
  );
  writeDicomSeries(single, rotate(coronal, [6, -4, 9]), {
    rescale: () => ({ slope: 2, intercept: -5 }),
  });
  const enhanced = join(work, 'enhanced');
  mkdirSync(enhanced);
  execFileSync('/usr/bin/python3', [
    'test/fixtures/enhanced_mr.py',
    single,
    join(enhanced, 'enhanced.dcm'),
  ]);
  const fromFrames = await readDicomFolder(enhanced);
  const fromFiles = await readDicomFolder(single);
  assert.equal(fromFrames.description.slices, fromFiles.description.slices);
  compareVolumes(fromFrames.volume, fromFiles.volume);
  const theirs = [...runDcm2niix(enhanced).values()];
  assert.equal(theirs.length, 1);
  compareVolumes(fromFrames.volume, theirs[0].volume);
});

test('a two-echo enhanced MR object splits by Effective Echo Time into two volumes', async () => {
  const single = join(work, 'single-echo');
  writeDicomSeries(
    single,
    permute(
      downsample(place(readNifti('/usr/share/mricron/templates/ch2bet.nii.gz').volume), 5),
      PLANES.axial,
    ),
  );
  const enhanced = join(work, 'two-echoes');
  mkdirSync(enhanced);
  execFileSync('/usr/bin/python3', [
    'test/fixtures/enhanced_mr.py',
    single,
    join(enhanced, 'enhanced.dcm'),
    '2',
  ]);
  const { groups } = await scanSeries([enhanced]);
  assert.deepEqual(
    groups.map((g) => g.split),
    ['echo time 9.2', 'echo time 18.4'],
  );
  const fromFiles = await readDicomFolder(single);
  const [first, second] = await Promise.all(groups.map((g) => loadSeries(g)));
  compareVolumes(first.volume, fromFiles.volume);
  const halved = { ...fromFiles.volume, voxels: fromFiles.volume.voxels.map((v) => v >> 1) };
  compareVolumes(second.volume, halved);
});
