// Geometry against the reference: real volumes from Debian's mricron-data written as DICOM
// series in several planes, oblique, with shuffled file names, read by us and by dcm2niix.
// Same voxels, same affine within 1e-4 mm (see test/fixtures/sameVolume.ts for how the two grids
// are matched: dcm2niix flips image rows, so its index order differs from ours).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DicomReadError } from '../../src/dicom/DicomReadError';
import { diskFile } from '../../src/dicom/FileSource';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { scanFiles } from '../../src/dicom/scanFiles';
import { lpsAffine } from '../../src/volume/affine';
import { readNifti } from '../../src/nifti/readNifti';
import { runDcm2niix } from '../fixtures/dcm2niix';
import { PLANES, downsample, permute, place, rotate } from '../fixtures/reslice';
import type { PlacedVolume } from '../fixtures/reslice';
import { compareVolumes } from '../fixtures/sameVolume';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';
import type { SeriesOptions } from '../fixtures/writeDicomSeries';

const TEMPLATES = '/usr/share/mricron/templates';
const work = mkdtempSync(join(tmpdir(), 'geometry-'));
after(() => rmSync(work, { recursive: true, force: true }));

const brain = downsample(place(readNifti(join(TEMPLATES, 'ch2bet.nii.gz')).volume), 3);

async function checkAgainstDcm2niix(
  name: string,
  volume: PlacedVolume,
  options: SeriesOptions = {},
) {
  const dir = join(work, name);
  writeDicomSeries(dir, volume, { description: name, ...options });
  const ours = await readDicomFolder(dir);
  const theirs = [...runDcm2niix(dir).values()];
  assert.equal(theirs.length, 1, `dcm2niix wrote ${theirs.length} volumes for ${name}`);
  const { maxAffineError, compared } = compareVolumes(ours.volume, theirs[0].volume, {
    valueTolerance: ours.volume.voxels instanceof Float32Array ? 1e-3 : 0,
  });
  assert.equal(compared, volume.voxels.length);
  return { ours, maxAffineError };
}

test('axial series with shuffled names and instance numbers matches dcm2niix', async () => {
  const { ours } = await checkAgainstDcm2niix('axial', permute(brain, PLANES.axial), {
    scrambleInstanceNumbers: true,
  });
  assert.deepEqual(
    ours.volume.geometry.direction.map((v) => Math.round(v)),
    [1, 0, 0, 0, 1, 0, 0, 0, 1],
  );
});

test('sagittal CT-like series (signed, intercept -1024) matches dcm2niix', async () => {
  await checkAgainstDcm2niix('sagittal', permute(brain, PLANES.sagittal), {
    signed: true,
    modality: 'CT',
    rescale: () => ({ slope: 1, intercept: -1024 }),
  });
});

test('coronal series with a fractional rescale matches dcm2niix as a float volume', async () => {
  const { ours } = await checkAgainstDcm2niix('coronal', permute(brain, PLANES.coronal), {
    rescale: () => ({ slope: 0.5, intercept: 10 }),
  });
  assert.ok(ours.volume.voxels instanceof Float32Array);
});

test('oblique series (rotated 17, -11 and 23 degrees) keeps its geometry and matches dcm2niix', async () => {
  const { ours } = await checkAgainstDcm2niix(
    'oblique',
    rotate(permute(brain, PLANES.axial), [17, -11, 23]),
  );
  const d = ours.volume.geometry.direction;
  assert.ok(Math.abs(d[0]) < 0.99 && Math.abs(d[8]) < 0.99, 'oblique directions kept as acquired');
});

test('oblique sagittal series with slices written in reverse matches dcm2niix', async () => {
  const flipped = permute(brain, [
    [1, true],
    [2, true],
    [0, false],
  ]);
  await checkAgainstDcm2niix('oblique-sagittal', rotate(flipped, [-8, 14, 5]));
});

test('gantry tilt is detected by name and kept exactly: each slice lies where its file says', async () => {
  const tilted = permute(brain, PLANES.axial);
  // Each slice steps 3 mm up and tan(15 deg) * 3 mm along the columns: a 15 degree tilt.
  tilted.affine[1][2] += Math.tan((15 * Math.PI) / 180) * tilted.affine[2][2];
  const dir = join(work, 'tilt');
  const paths = writeDicomSeries(dir, tilted, { names: 'ordered' });
  const ours = await readDicomFolder(dir);
  assert.deepEqual(
    ours.warnings.map((w) => w.code),
    ['gantry-tilt'],
  );
  assert.match(ours.warnings[0].message, /15\.00 degrees/);
  const a = lpsAffine(ours.volume.geometry);
  for (const [k, path] of paths.entries()) {
    const position = (await scanFiles([diskFile(path)])).slices[0].imagePosition;
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(a[r][2] * k + a[r][3] - position[r]) < 1e-4);
  }
});

test('positions written with two decimals still make a regular volume', async () => {
  const fine = permute(brain, PLANES.axial);
  for (let r = 0; r < 3; r++) fine.affine[r][2] *= 0.7777;
  const dir = join(work, 'two-decimals');
  writeDicomSeries(dir, fine, {
    extra: (k) => ({
      ImagePositionPatient: [0, 1, 2].map((r) =>
        (fine.affine[r][2] * k + fine.affine[r][3]).toFixed(2),
      ),
    }),
  });
  const ours = await readDicomFolder(dir);
  assert.ok(Math.abs(ours.volume.geometry.spacing[2] - 3 * 0.7777) < 1e-3);
});

test('a slice shifted sideways is refused, naming it', async () => {
  const axial = permute(brain, PLANES.axial);
  const dir = join(work, 'shifted');
  const paths = writeDicomSeries(dir, axial, {
    names: 'ordered',
    extra: (k) =>
      k === 20
        ? {
            ImagePositionPatient: [0, 1, 2].map((r) =>
              String(axial.affine[r][2] * k + axial.affine[r][3] + (r === 0 ? 2 : 0)),
            ),
          }
        : {},
  });
  await assert.rejects(readDicomFolder(dir), (error: unknown) => {
    assert.ok(error instanceof DicomReadError);
    assert.equal(error.path, paths[20]);
    assert.match(error.message, /slice 21 of 60 lies 2\.000 mm from where a regular grid/);
    return true;
  });
});
