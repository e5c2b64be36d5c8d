import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { readSourceSeries } from '../../src/dicom/seg/readSourceSeries';
import type { SegmentDefinition } from '../../src/dicom/seg/Segment';
import { writeSeg } from '../../src/dicom/seg/writeSeg';
import { voxelToLps } from '../../src/volume/affine';
import { dciodvfy } from '../helpers/dicom3tools';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import { runPythonJson } from '../helpers/python';

// What another reader (pydicom) finds in the SEG, frame by frame.
const PYDICOM = `
import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
px = ds.pixel_array.reshape(int(ds.NumberOfFrames), -1)
frames = []
for n, f in enumerate(ds.PerFrameFunctionalGroupsSequence):
  frames.append({
    "segment": int(f.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
    "index": [int(v) for v in f.FrameContentSequence[0].DimensionIndexValues],
    "position": [float(v) for v in f.PlanePositionSequence[0].ImagePositionPatient],
    "source": f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID,
    "ones": [int(i) for i in px[n].nonzero()[0]]})
shared = ds.SharedFunctionalGroupsSequence[0]
print(json.dumps({
  "frames": frames,
  "orientation": [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
  "spacing": [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing],
  "frameOfReference": ds.FrameOfReferenceUID,
  "study": ds.StudyInstanceUID,
  "referencedSeries": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
  "segments": [{"number": int(s.SegmentNumber), "label": s.SegmentLabel,
    "type": s.SegmentedPropertyTypeCodeSequence[0].CodeMeaning,
    "lab": [int(v) for v in s.RecommendedDisplayCIELabValue]} for s in ds.SegmentSequence]}))
`;

interface PydicomView {
  frames: {
    segment: number;
    index: number[];
    position: number[];
    source: string;
    ones: number[];
  }[];
  orientation: number[];
  spacing: number[];
  frameOfReference: string;
  study: string;
  referencedSeries: string;
  segments: { number: number; label: string; type: string; lab: number[] }[];
}

const segments: SegmentDefinition[] = [
  {
    labelValue: 1,
    label: 'Grey matter',
    color: [220, 40, 40],
    kind: 'tissue',
    algorithmType: 'MANUAL',
  },
  {
    labelValue: 2,
    label: 'Tumour',
    color: [40, 200, 60],
    kind: 'tumour',
    algorithmType: 'AUTOMATIC',
    algorithmName: 'ACS ResNet-18',
  },
];

const brain = brainVoxels(6);

for (const orientation of ['axial', 'sagittal', 'coronal', 'oblique'] as const) {
  test(`a SEG of the ${orientation} series passes dciodvfy and puts every voxel where the source has it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-'));
    const fixture = writeSeries(
      join(dir, 'series'),
      brain.dims,
      brain.voxels,
      ORIENTATIONS[orientation],
      [1.5, 1.25, 2.5],
      [-21.5, 30.25, 40],
    );
    const { description, volume } = await readDicomFolder(fixture.dir);
    const source = await readSourceSeries(
      fixture.dir,
      description.seriesInstanceUid,
      volume.geometry,
    );
    const labels = brainLabels(brain.voxels);
    const path = join(dir, 'labels.seg.dcm');
    await writeSeg(path, source, labels, segments, {
      seriesDescription: 'Brain labels',
      softwareVersion: '0.1.0',
      overwrite: false,
    });

    const report = dciodvfy(path);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.warnings, []);

    const view = runPythonJson<PydicomView>(PYDICOM, [path]);
    assert.equal(view.study, fixture.studyInstanceUid);
    assert.equal(view.referencedSeries, fixture.seriesInstanceUid);
    assert.deepEqual(
      view.segments.map((s) => [s.number, s.label, s.type]),
      [
        [1, 'Grey matter', 'Tissue'],
        [2, 'Tumour', 'Neoplasm'],
      ],
    );
    view.orientation.forEach((v, n) =>
      assert.ok(Math.abs(v - ORIENTATIONS[orientation][n]) < 1e-9),
    );
    assert.deepEqual(view.spacing, [1.25, 1.5]);

    const [cols, rows, slices] = brain.dims;
    const inPlane = cols * rows;
    let previous = [0, 0];
    let written = 0;
    for (const frame of view.frames) {
      const k = fixture.sopInstanceUids.indexOf(frame.source);
      assert.ok(k >= 0, 'each frame names its source image');
      // ordered by segment, then along the normal; the index says which slice it is
      assert.deepEqual(frame.index, [frame.segment, k + 1]);
      assert.ok(frame.index[0] > previous[0] || frame.index[1] > previous[1]);
      previous = frame.index;
      const expected = voxelToLps(fixture.geometry, [0, 0, k]);
      frame.position.forEach((v, r) => assert.ok(Math.abs(v - expected[r]) < 1e-4));
      const want: number[] = [];
      for (let n = 0; n < inPlane; n++) if (labels[k * inPlane + n] === frame.segment) want.push(n);
      assert.deepEqual(frame.ones, want);
      written += want.length;
    }
    assert.equal(written, labels.filter((v) => v > 0).length);
    assert.ok(view.frames.length < 2 * slices, 'slices without the segment get no frame');
  });
}

test('writeSeg never overwrites silently and says what is wrong with bad input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-'));
  const fixture = writeSeries(
    join(dir, 'series'),
    [4, 3, 2],
    new Uint16Array(24),
    ORIENTATIONS.axial,
    [1, 1, 1],
    [0, 0, 0],
  );
  const { description, volume } = await readDicomFolder(fixture.dir);
  const source = await readSourceSeries(
    fixture.dir,
    description.seriesInstanceUid,
    volume.geometry,
  );
  const path = join(dir, 'out.dcm');
  writeFileSync(path, 'precious');
  const options = { seriesDescription: 'x', softwareVersion: '0', overwrite: false };
  const labels = new Uint8Array(24).fill(1);
  await assert.rejects(
    writeSeg(path, source, labels, segments.slice(0, 1), options),
    /already exists/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'precious');
  await assert.rejects(
    writeSeg(join(dir, 'a.dcm'), source, new Uint8Array(23), segments, options),
    /23 voxels, the series 4x3x2/,
  );
  await assert.rejects(
    writeSeg(join(dir, 'b.dcm'), source, new Uint8Array(24), segments, options),
    /no voxel of any segment/,
  );
  await assert.rejects(
    writeSeg(
      join(dir, 'c.dcm'),
      source,
      labels,
      [{ ...segments[1], algorithmName: undefined }],
      options,
    ),
    /name the algorithm/,
  );
  await assert.rejects(
    writeSeg(
      join(dir, 'd.dcm'),
      source,
      labels.map((v, n) => (n === 5 ? 9 : v)),
      segments.slice(0, 1),
      options,
    ),
    /voxels of label 9, which no segment describes/,
  );
});
