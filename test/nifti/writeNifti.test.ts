import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { writeNifti } from '../../src/nifti/writeNifti';
import { rasAffine } from '../../src/volume/affine';
import { runPythonJson } from '../helpers/python';

const NIBABEL = `
import sys, json, nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
data = np.asarray(img.dataobj)
print(json.dumps({
  "shape": list(data.shape), "dtype": str(data.dtype),
  "sform": img.get_sform().tolist(), "qform": img.get_qform().tolist(),
  "codes": [int(img.header["sform_code"]), int(img.header["qform_code"])],
  "values": data.flatten(order="F")[:64].tolist()}))
`;

interface NibabelView {
  shape: number[];
  dtype: string;
  sform: number[][];
  qform: number[][];
  codes: number[];
  values: number[];
}

function assertAffineClose(actual: number[][], expected: number[][], label: string): void {
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      assert.ok(
        Math.abs(actual[r][c] - expected[r][c]) < 1e-4,
        `${label}[${r}][${c}] ${actual[r][c]} != ${expected[r][c]}`,
      );
    }
}

// An oblique, left-handed grid (normal reversed): the hard case for qform (qfac = -1).
const c = Math.cos(0.3);
const s = Math.sin(0.3);
const oblique: VolumeGeometry = {
  dimensions: [5, 4, 3],
  spacing: [0.8, 1.1, 2.5],
  origin: [12.5, -30, 7],
  direction: [c, s, 0, -s, c, 0, 0, 0, -1],
};

for (const name of ['labels.nii.gz', 'labels.nii']) {
  test(`nibabel reads ${name} with the volume's shape, voxels and RAS affine in sform and qform`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'nifti-'));
    const path = join(dir, name);
    const labels = Uint8Array.from({ length: 60 }, (_, n) => n % 7);
    return writeNifti(path, oblique, labels, { overwrite: false }).then(() => {
      const view = runPythonJson<NibabelView>(NIBABEL, [path]);
      assert.deepEqual(view.shape, [5, 4, 3]);
      assert.equal(view.dtype, 'uint8');
      assert.deepEqual(view.codes, [1, 1]);
      assert.deepEqual(view.values, [...labels]);
      assertAffineClose(view.sform, rasAffine(oblique), 'sform');
      assertAffineClose(view.qform, rasAffine(oblique), 'qform');
    });
  });
}

test('writeNifti never overwrites silently and leaves the existing file whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nifti-'));
  const path = join(dir, 'labels.nii.gz');
  writeFileSync(path, 'precious');
  await assert.rejects(
    writeNifti(path, oblique, new Uint8Array(60), { overwrite: false }),
    /already exists/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'precious');
  await writeNifti(path, oblique, new Int16Array(60).fill(-3), { overwrite: true });
  assert.equal(runPythonJson<NibabelView>(NIBABEL, [path]).dtype, 'int16');
});
