import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { decodeSeg } from '../../src/dicom/seg/decodeSeg';
import { encodeSeg } from '../../src/dicom/seg/encodeSeg';
import { GridMismatchError } from '../../src/dicom/seg/GridMismatchError';
import { readSeg } from '../../src/dicom/seg/readSeg';
import { readSourceSeries } from '../../src/dicom/seg/readSourceSeries';
import type { SegmentDefinition } from '../../src/dicom/seg/Segment';
import { writeSeg } from '../../src/dicom/seg/writeSeg';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';

const segments: SegmentDefinition[] = [
  { labelValue: 1, label: 'Brain', color: [230, 25, 75], kind: 'organ', algorithmType: 'MANUAL' },
  {
    labelValue: 2,
    label: 'Mass',
    color: [60, 180, 75],
    kind: 'tumour',
    algorithmType: 'SEMIAUTOMATIC',
    algorithmName: 'threshold',
  },
];
const options = { seriesDescription: 'round trip', softwareVersion: '0.1.0' };
const brain = brainVoxels(6);

async function fixtureSource(dir: string, orientation: keyof typeof ORIENTATIONS) {
  const fixture = writeSeries(
    join(dir, orientation),
    brain.dims,
    brain.voxels,
    ORIENTATIONS[orientation],
    [1.5, 1.25, 2.5],
    [-21.5, 30.25, 40],
  );
  const { description, volume } = await readDicomFolder(fixture.dir);
  return readSourceSeries(fixture.dir, description.seriesInstanceUid, volume.geometry);
}

for (const orientation of ['axial', 'sagittal', 'oblique'] as const) {
  test(`a SEG of the ${orientation} series reads back onto the same voxels with its segments`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-read-'));
    const source = await fixtureSource(dir, orientation);
    const labels = brainLabels(brain.voxels);
    const path = join(dir, 'labels.dcm');
    await writeSeg(path, source, labels, segments, { ...options, overwrite: false });
    const read = await readSeg(path, source.geometry, source.frameOfReferenceUid);
    assert.deepEqual(read.labelmap, labels);
    assert.equal(read.overlappingVoxels, 0);
    assert.equal(read.referencedSeriesInstanceUid, source.seriesInstanceUid);
    assert.deepEqual(
      read.segments.map((s) => [s.labelValue, s.label, s.type.meaning, s.algorithmType]),
      [
        [1, 'Brain', 'Organ', 'MANUAL'],
        [2, 'Mass', 'Neoplasm', 'SEMIAUTOMATIC'],
      ],
    );
    // CIELab is 16 bits a channel: sRGB comes back within one step
    read.segments.forEach((s, n) =>
      s.color.forEach((c, i) => assert.ok(Math.abs(c - segments[n].color[i]) <= 1, `${c}`)),
    );
  });
}

test('label values that are not 1..n come back as segment numbers in the order given', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-read-'));
  const source = await fixtureSource(dir, 'axial');
  const labels = brainLabels(brain.voxels).map((v) => (v === 1 ? 7 : v === 2 ? 3 : 0));
  const bytes = encodeSeg(
    source,
    labels,
    [
      { ...segments[0], labelValue: 7 },
      { ...segments[1], labelValue: 3 },
    ],
    options,
  );
  const read = decodeSeg(bytes, source.geometry);
  assert.deepEqual(read.labelmap, brainLabels(brain.voxels));
});

test('a SEG that does not lie on the open series is refused with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-read-'));
  const source = await fixtureSource(dir, 'axial');
  const bytes = encodeSeg(source, brainLabels(brain.voxels), segments, options);
  const g = source.geometry;
  const cases: [string, VolumeGeometry, RegExp][] = [
    [
      'sagittal',
      { ...g, direction: [...ORIENTATIONS.sagittal, 1, 0, 0] as VolumeGeometry['direction'] },
      /orientation/,
    ],
    [
      'half a voxel off',
      { ...g, origin: [g.origin[0] + 0.75, g.origin[1], g.origin[2]] },
      /frame \d+ at .* is not on a slice/,
    ],
    [
      'between slices',
      { ...g, origin: [g.origin[0], g.origin[1], g.origin[2] + 1.25] },
      /not on a slice/,
    ],
    [
      'fewer slices',
      { ...g, dimensions: [g.dimensions[0], g.dimensions[1], 10] },
      /outside the series' slices/,
    ],
    [
      'smaller',
      { ...g, dimensions: [g.dimensions[0] - 1, g.dimensions[1], g.dimensions[2]] },
      /frames are 30x36, the slices 29x36/,
    ],
    ['finer', { ...g, spacing: [1, 1, 2.5] }, /pixel spacing/],
  ];
  for (const [name, geometry, message] of cases) {
    assert.throws(
      () => decodeSeg(bytes, geometry),
      (error: Error) => error instanceof GridMismatchError && message.test(error.message),
      name,
    );
  }
  assert.throws(
    () => decodeSeg(bytes, g, '1.2.3'),
    /frame of reference .* is not the series' 1\.2\.3/,
  );
  assert.throws(
    () => decodeSeg(new TextEncoder().encode('not dicom'), g),
    /not a readable DICOM file/,
  );
});
