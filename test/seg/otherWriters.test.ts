import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { encodeSeg } from '../../src/dicom/seg/encodeSeg';
import { readSeg } from '../../src/dicom/seg/readSeg';
import { readSourceSeries } from '../../src/dicom/seg/readSourceSeries';
import type { SegmentDefinition } from '../../src/dicom/seg/Segment';
import { dciodvfy } from '../helpers/dicom3tools';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import { runPythonJson } from '../helpers/python';

// Rewrites a SEG as another writer might: FRACTIONAL probabilities (with sub-threshold noise)
// instead of bits, frames in reverse order, orientation given frame by frame.
const TO_FRACTIONAL = `
import sys, numpy as np, pydicom
ds = pydicom.dcmread(sys.argv[1])
frames = ds.pixel_array.astype(np.uint8)[::-1]
rng = np.random.default_rng(7)
noise = rng.integers(0, 127, frames.shape, dtype=np.uint8)
frac = np.where(frames == 1, 255 - noise // 4, noise).astype(np.uint8)
ds.PerFrameFunctionalGroupsSequence = pydicom.Sequence(list(ds.PerFrameFunctionalGroupsSequence)[::-1])
shared = ds.SharedFunctionalGroupsSequence[0]
for item in ds.PerFrameFunctionalGroupsSequence:
  item.PlaneOrientationSequence = shared.PlaneOrientationSequence
del shared.PlaneOrientationSequence
ds.SegmentationType = 'FRACTIONAL'
ds.SegmentationFractionalType = 'PROBABILITY'
ds.MaximumFractionalValue = 255
ds.BitsAllocated = 8
ds.BitsStored = 8
ds.HighBit = 7
ds.PixelData = frac.tobytes()
ds.save_as(sys.argv[2])
print("{}")
`;

test('a FRACTIONAL SEG with frames in another order reads onto the same voxels', async () => {
  const brain = brainVoxels(6);
  const dir = mkdtempSync(join(tmpdir(), 'seg-other-'));
  const fixture = writeSeries(
    join(dir, 's'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.sagittal,
    [1.5, 1.25, 2.5],
    [0, 0, 0],
  );
  const { description, volume } = await readDicomFolder(fixture.dir);
  const source = await readSourceSeries(
    fixture.dir,
    description.seriesInstanceUid,
    volume.geometry,
  );
  const labels = brainLabels(brain.voxels);
  const segments: SegmentDefinition[] = [
    { labelValue: 1, label: 'A', color: [255, 0, 0], kind: 'organ', algorithmType: 'MANUAL' },
    { labelValue: 2, label: 'B', color: [0, 255, 0], kind: 'lesion', algorithmType: 'MANUAL' },
  ];
  writeFileSync(
    join(dir, 'binary.dcm'),
    encodeSeg(source, labels, segments, { seriesDescription: 'x', softwareVersion: '0' }),
  );
  runPythonJson(TO_FRACTIONAL, [join(dir, 'binary.dcm'), join(dir, 'fractional.dcm')]);
  assert.deepEqual(dciodvfy(join(dir, 'fractional.dcm')).errors, []);
  const read = await readSeg(
    join(dir, 'fractional.dcm'),
    volume.geometry,
    source.frameOfReferenceUid,
  );
  assert.deepEqual(read.labelmap, labels);
});
