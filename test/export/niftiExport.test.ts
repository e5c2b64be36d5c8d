import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as nifti from 'nifti-reader-js';
import type { VolumeGeometry } from '../../src/volume/geometry';
import type { SegmentDefinition } from '../../src/dicom/seg/Segment';
import { GridMismatchError } from '../../src/dicom/seg/GridMismatchError';
import { exportNiftiLabelmap } from '../../src/export/exportNiftiLabelmap';
import { parseLabelTable, readLabelTableBeside } from '../../src/export/labelTable';
import { placeLabelmap } from '../../src/export/placeLabelmap';
import type { NiftiLabelmap } from '../../src/export/placeLabelmap';
import type { Affine } from '../../src/volume/affine';
import { dcm2niix } from '../helpers/dcm2niix';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import { runPythonJson } from '../helpers/python';

const segments: SegmentDefinition[] = [
  {
    labelValue: 1,
    label: 'Bright "core"',
    color: [255, 0, 0],
    kind: 'organ',
    algorithmType: 'MANUAL',
  },
  { labelValue: 2, label: 'Rim', color: [0, 0, 255], kind: 'lesion', algorithmType: 'MANUAL' },
];
const brain = brainVoxels(6);

// Both files brought to the closest canonical (RAS) orientation: the same grid stored in another
// axis order then has the same affine and the same array.
const COMPARE = `
import sys, json, numpy as np, nibabel as nib
ours = nib.as_closest_canonical(nib.load(sys.argv[1]))
ref = nib.as_closest_canonical(nib.load(sys.argv[2]))
img = np.asarray(ref.dataobj)
want = np.where(img > 110, 1, np.where(img > 60, 2, 0))
got = np.asarray(ours.dataobj)
print(json.dumps({"ours": ours.affine.tolist(), "dcm2niix": ref.affine.tolist(),
  "shape": [list(got.shape), list(want.shape)], "dtype": str(got.dtype),
  "wrong": int((got != want).sum()) if got.shape == want.shape else -1}))
`;

// A labelmap drawn on dcm2niix's NIfTI (as a user does in ITK-SNAP): its grid and axis order.
const LABELS_ON_DCM2NIIX = `
import sys, numpy as np, nibabel as nib
ref = nib.load(sys.argv[1])
img = np.asarray(ref.dataobj)
labels = np.where(img > 110, 1, np.where(img > 60, 2, 0)).astype(np.uint8)
nib.save(nib.Nifti1Image(labels, ref.affine), sys.argv[2])
print("{}")
`;

function readLabelNifti(path: string): NiftiLabelmap {
  const file = readFileSync(path);
  let data = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data);
  assert.equal(header.datatypeCode, 2, 'uint8 labels');
  return {
    volume: {
      geometry: { dimensions: header.dims.slice(1, 4) as [number, number, number] },
      voxels: new Uint8Array(nifti.readImage(header, data)),
    },
    rasAffine: header.affine as Affine,
  };
}

function fixture(dir: string, orientation: keyof typeof ORIENTATIONS) {
  return writeSeries(
    join(dir, orientation),
    brain.dims,
    brain.voxels,
    ORIENTATIONS[orientation],
    [1.5, 1.25, 2.5],
    [-21.5, 30.25, 40],
  );
}

for (const orientation of ['axial', 'sagittal', 'oblique'] as const) {
  test(`the NIfTI labelmap of the ${orientation} series lies on dcm2niix's grid, labels beside it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nifti-export-'));
    const series = fixture(dir, orientation);
    const labels = brainLabels(brain.voxels);
    const written = await exportNiftiLabelmap(
      join(dir, 'labels.nii.gz'),
      series.geometry,
      labels,
      segments,
      {
        overwrite: false,
      },
    );
    assert.deepEqual(written, [
      join(dir, 'labels.nii.gz'),
      join(dir, 'labels.labels.json'),
      join(dir, 'labels.itksnap.txt'),
    ]);
    const reference = dcm2niix(series.dir, join(dir, 'dcm2niix'));
    const view = runPythonJson<{
      ours: number[][];
      dcm2niix: number[][];
      shape: number[][];
      dtype: string;
      wrong: number;
    }>(COMPARE, [written[0], reference]);
    assert.deepEqual(view.shape[0], view.shape[1]);
    assert.equal(view.dtype, 'uint8');
    view.ours.forEach((row, r) =>
      row.forEach((v, c) =>
        assert.ok(
          Math.abs(v - view.dcm2niix[r][c]) < 1e-3,
          `affine[${r}][${c}] ${v} != ${view.dcm2niix[r][c]}`,
        ),
      ),
    );
    assert.equal(view.wrong, 0);

    assert.deepEqual(await readLabelTableBeside(written[0]), segments);
    const itk = readFileSync(written[2], 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#') && l.trim());
    assert.deepEqual(
      itk.map((l) => l.trim().split(/\s+/).slice(0, 4)),
      [
        ['0', '0', '0', '0'],
        ['1', '255', '0', '0'],
        ['2', '0', '0', '255'],
      ],
    );
    assert.match(itk[1], /"Bright 'core'"$/);
  });
}

test("a labelmap drawn on dcm2niix's NIfTI of a series is imported onto its voxels", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nifti-import-'));
  for (const orientation of ['sagittal', 'oblique'] as const) {
    const series = fixture(dir, orientation);
    const reference = dcm2niix(series.dir, join(dir, `dcm2niix-${orientation}`));
    const path = join(dir, `${orientation}-drawn.nii.gz`);
    runPythonJson(LABELS_ON_DCM2NIIX, [reference, path]);
    const placed = placeLabelmap(readLabelNifti(path), series.geometry);
    assert.deepEqual(placed, brainLabels(brain.voxels), orientation);
  }
});

test('a labelmap on another grid is refused with the reason; a non-label volume too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nifti-import-'));
  const series = fixture(dir, 'axial');
  await exportNiftiLabelmap(
    join(dir, 'l.nii'),
    series.geometry,
    brainLabels(brain.voxels),
    segments,
    {
      overwrite: false,
    },
  );
  const labelmap = readLabelNifti(join(dir, 'l.nii'));
  assert.deepEqual(placeLabelmap(labelmap, series.geometry), brainLabels(brain.voxels));
  const g = series.geometry;
  const cases: [string, VolumeGeometry, RegExp][] = [
    ['shifted', { ...g, origin: [g.origin[0] + 0.5, g.origin[1], g.origin[2]] }, /shifted/],
    ['finer', { ...g, spacing: [0.75, 1.25, 2.5] }, /another size or orientation/],
    [
      'sagittal',
      { ...g, direction: [...ORIENTATIONS.sagittal, 1, 0, 0] as VolumeGeometry['direction'] },
      /orientation/,
    ],
    [
      'bigger',
      { ...g, dimensions: [g.dimensions[0], g.dimensions[1], g.dimensions[2] + 1] },
      /covers 30x36x30 voxels/,
    ],
  ];
  for (const [name, geometry, message] of cases) {
    assert.throws(
      () => placeLabelmap(labelmap, geometry),
      (error: Error) => error instanceof GridMismatchError && message.test(error.message),
      name,
    );
  }
  const image = {
    ...labelmap,
    volume: {
      ...labelmap.volume,
      voxels: Float32Array.from(labelmap.volume.voxels, (v) => v + 0.5),
    },
  };
  assert.throws(() => placeLabelmap(image, g), /value 0.5 is not a label/);
});

test('a NIfTI export never overwrites silently and leaves no partial set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nifti-export-'));
  const g: VolumeGeometry = {
    dimensions: [2, 2, 2],
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  writeFileSync(join(dir, 'x.itksnap.txt'), 'precious');
  await assert.rejects(
    exportNiftiLabelmap(join(dir, 'x.nii.gz'), g, new Uint8Array(8), segments, {
      overwrite: false,
    }),
    /x\.itksnap\.txt already exists/,
  );
  assert.equal(existsSync(join(dir, 'x.nii.gz')), false);
  assert.equal(existsSync(join(dir, 'x.labels.json')), false);
  assert.equal(readFileSync(join(dir, 'x.itksnap.txt'), 'utf8'), 'precious');
  await exportNiftiLabelmap(join(dir, 'x.nii.gz'), g, new Uint8Array(8), segments, {
    overwrite: true,
  });
  assert.notEqual(readFileSync(join(dir, 'x.itksnap.txt'), 'utf8'), 'precious');
  assert.equal(await readLabelTableBeside(join(dir, 'none.nii.gz')), undefined);
  assert.throws(
    () =>
      parseLabelTable(
        '{"format":"acs-workstation-labels","version":1,"labels":[{"value":0}]}',
        'bad.json',
      ),
    /bad\.json: not a label table \(labels\.0\.value/,
  );
});
