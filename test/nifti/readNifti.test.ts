// Our NIfTI-1 reader against nibabel (Debian's python3-nibabel) on mricron-data's real volumes
// and on files nibabel writes with qform only, sform and qform disagreeing, scaling, big endian.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NiftiReadError, readNifti } from '../../src/nifti/readNifti';
import { lpsAffine, rasAffine } from '../../src/volume/affine';

const TEMPLATES = '/usr/share/mricron/templates';
const PROBE = 'test/fixtures/nibabel_probe.py';
const work = mkdtempSync(join(tmpdir(), 'nifti-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Probe {
  affine: number[][];
  shape: number[];
  sum: number;
  samples: [number, number][];
}

function nibabel(path: string): Probe {
  return JSON.parse(execFileSync('/usr/bin/python3', [PROBE, 'read', path]).toString()) as Probe;
}

function agreesWithNibabel(path: string) {
  const ours = readNifti(path);
  const theirs = nibabel(path);
  assert.deepEqual(ours.volume.geometry.dimensions, theirs.shape.slice(0, 3));
  const ras = rasAffine(ours.volume.geometry);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++)
      assert.ok(Math.abs(ras[r][c] - theirs.affine[r][c]) < 1e-5, `${path}: affine [${r}][${c}]`);
  for (const [index, value] of theirs.samples) {
    assert.ok(
      Math.abs(ours.volume.voxels[index] - value) <= 1e-5 * Math.max(1, Math.abs(value)),
      `${path}: voxel ${index}`,
    );
  }
  let sum = 0;
  for (const v of ours.volume.voxels) sum += v;
  assert.ok(
    Math.abs(sum - theirs.sum) <= 1e-6 * Math.abs(theirs.sum) + 1e-3,
    `${path}: sum ${sum} vs ${theirs.sum}`,
  );
  return ours;
}

for (const name of [
  'ch2.nii.gz',
  'aal.nii.gz',
  'inia19-t1-brain.nii.gz',
  'JHU-WhiteMatter-labels-2mm.nii.gz',
  'natbrainlab.nii.gz',
]) {
  test(`${name} reads as nibabel reads it`, () => {
    agreesWithNibabel(join(TEMPLATES, name));
  });
}

test('RAS to LPS: x and y of the affine are negated, so world positions agree with DICOM', () => {
  const { volume, rasAffine: ras, transform } = readNifti(join(TEMPLATES, 'ch2.nii.gz'));
  assert.equal(transform, 'sform');
  const lps = lpsAffine(volume.geometry);
  for (let c = 0; c < 4; c++) {
    assert.equal(lps[0][c], -ras[0][c] + 0);
    assert.equal(lps[1][c], -ras[1][c] + 0);
    assert.equal(lps[2][c], ras[2][c] + 0);
  }
  assert.deepEqual(volume.geometry.origin, [90, 125, -71]);
});

for (const mode of ['qform-only', 'both-differ', 'scaled', 'big-endian'] as const) {
  test(`a ${mode} file written by nibabel reads as nibabel reads it`, () => {
    const path = join(work, `${mode}.nii.gz`);
    execFileSync('/usr/bin/python3', [PROBE, 'write', join(TEMPLATES, 'ch2.nii.gz'), path, mode]);
    const ours = agreesWithNibabel(path);
    if (mode === 'qform-only') assert.equal(ours.transform, 'qform');
    if (mode === 'both-differ') assert.equal(ours.transform, 'sform');
    if (mode === 'scaled') assert.ok(ours.scaled && ours.volume.voxels instanceof Float32Array);
  });
}

test('a truncated, an empty and a non-NIfTI file each get an error naming the file', () => {
  const whole = readFileSync(join(TEMPLATES, 'aal.nii.gz'));
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty.nii', new Uint8Array(0), /empty file/],
    ['text.nii', Buffer.from('hello, not a volume'.repeat(30)), /not a NIfTI-1 file/],
    ['cut.nii.gz', whole.subarray(0, whole.length / 2), /not a readable NIfTI file|truncated/],
  ];
  for (const [name, bytes, message] of cases) {
    const path = join(work, name);
    writeFileSync(path, bytes);
    assert.throws(
      () => readNifti(path),
      (error: unknown) =>
        error instanceof NiftiReadError &&
        error.message.startsWith(`${path}: `) &&
        message.test(error.message),
      name,
    );
  }
});
