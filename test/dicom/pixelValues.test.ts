// Pixel value handling against dcm2niix: output types chosen from the headers, the 16-bit guess
// for signed CT with an intercept and its float fallback, MONOCHROME1, 8-bit pixels.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { readNifti } from '../../src/nifti/readNifti';
import { runDcm2niix } from '../fixtures/dcm2niix';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import type { PlacedVolume } from '../fixtures/reslice';
import { compareVolumes } from '../fixtures/sameVolume';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';
import type { SeriesOptions } from '../fixtures/writeDicomSeries';

const work = mkdtempSync(join(tmpdir(), 'values-'));
after(() => rmSync(work, { recursive: true, force: true }));
const head = permute(
  downsample(place(readNifti('/usr/share/mricron/templates/ch2.nii.gz').volume), 4),
  PLANES.axial,
);

async function againstDcm2niix(name: string, volume: PlacedVolume, options: SeriesOptions) {
  const dir = join(work, name);
  writeDicomSeries(dir, volume, options);
  const ours = await readDicomFolder(dir);
  const theirs = [...runDcm2niix(dir).values()];
  assert.equal(theirs.length, 1);
  compareVolumes(ours.volume, theirs[0].volume);
  return ours;
}

test('signed 16-bit CT with intercept -1024 is an int16 volume (checked, not assumed)', async () => {
  // Header range -33792..31743 does not fit 16 bits, the values (-1024..-769) do.
  const ours = await againstDcm2niix('ct-int16', head, {
    signed: true,
    modality: 'CT',
    rescale: () => ({ slope: 1, intercept: -1024 }),
  });
  assert.ok(ours.volume.voxels instanceof Int16Array);
});

test('a value beyond 16 bits after the rescale makes the series float, read again', async () => {
  const hot = { ...head, voxels: head.voxels.slice() };
  hot.voxels[hot.voxels.length - 1] = 40000; // stored 32000 + intercept 8000
  const ours = await againstDcm2niix('ct-overflow', hot, {
    signed: true,
    modality: 'CT',
    rescale: () => ({ slope: 1, intercept: 8000 }),
  });
  assert.ok(ours.volume.voxels instanceof Float32Array);
  assert.equal(ours.volume.voxels[ours.volume.voxels.length - 1 - 0], 40000);
});

test('MONOCHROME1 keeps its values, as dcm2niix does, and says so', async () => {
  const ours = await againstDcm2niix('mono1', head, { photometric: 'MONOCHROME1', bitsStored: 12 });
  assert.deepEqual(
    ours.warnings.map((w) => w.code),
    ['monochrome1'],
  );
});

test('8-bit unsigned pixels make a uint8 volume equal to dcm2niix', async () => {
  const ours = await againstDcm2niix('bytes', head, { bitsAllocated: 8 });
  assert.ok(ours.volume.voxels instanceof Uint8Array);
});

test('32-bit signed integers stay exact integers beyond float precision', async () => {
  const big = { ...head, voxels: head.voxels.map((v) => v * 100003 - 7) };
  const ours = await againstDcm2niix('int32', big, { bitsAllocated: 32, signed: true });
  assert.ok(ours.volume.voxels instanceof Int32Array);
});
