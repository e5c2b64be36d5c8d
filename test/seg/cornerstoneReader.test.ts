import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import dcmjs from 'dcmjs';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { encodeSeg } from '../../src/dicom/seg/encodeSeg';
import { readSourceSeries } from '../../src/dicom/seg/readSourceSeries';
import { voxelToLps } from '../../src/volume/affine';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';

/**
 * dcmjs's Cornerstone SEG reader (the one OHIF and @cornerstonejs/adapters' SEG import derive
 * from) places each frame on a source image by its reference, then by its position. Feeding it
 * the source series' metadata the way a Cornerstone metadata provider does shows another viewer
 * puts our SEG on the same voxels.
 */
for (const orientation of ['axial', 'sagittal', 'oblique'] as const) {
  test(`Cornerstone's SEG reader puts the SEG of the ${orientation} series on the same voxels`, async () => {
    const brain = brainVoxels(6);
    const dir = mkdtempSync(join(tmpdir(), 'seg-cs-'));
    const fixture = writeSeries(
      join(dir, 's'),
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
    const seg = encodeSeg(
      source,
      labels,
      [
        { labelValue: 1, label: 'A', color: [255, 0, 0], kind: 'organ', algorithmType: 'MANUAL' },
        { labelValue: 2, label: 'B', color: [0, 255, 0], kind: 'lesion', algorithmType: 'MANUAL' },
      ],
      { seriesDescription: 'cs', softwareVersion: '0' },
    );
    const [cols, rows, slices] = brain.dims;
    const imageIds = Array.from({ length: slices }, (_, k) => `fixture:${k}`);
    const o = ORIENTATIONS[orientation];
    const metadata = (type: string, imageId: string): unknown => {
      const k = Number(imageId.split(':')[1]);
      const position = voxelToLps(volume.geometry, [0, 0, k]);
      switch (type) {
        case 'imagePlaneModule':
          return {
            rowCosines: o.slice(0, 3),
            columnCosines: o.slice(3),
            rows,
            columns: cols,
            imagePositionPatient: position,
          };
        case 'generalSeriesModule':
          return { seriesInstanceUID: fixture.seriesInstanceUid };
        case 'sopCommonModule':
          return {
            sopInstanceUID: fixture.sopInstanceUids[k],
            sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
          };
        case 'imagePixelModule':
          return { rows, columns: cols };
        case 'instance':
          return {
            ImagePositionPatient: position,
            FrameOfReferenceUID: source.frameOfReferenceUid,
            SeriesInstanceUID: fixture.seriesInstanceUid,
            SOPInstanceUID: fixture.sopInstanceUids[k],
          };
        default:
          return undefined;
      }
    };
    const state = (
      dcmjs.adapters.Cornerstone.Segmentation.generateToolState as (
        ids: string[],
        buffer: ArrayBuffer,
        provider: { get: typeof metadata },
      ) => {
        labelmapBufferArray: ArrayBuffer[];
        segMetadata: { data: ({ SegmentLabel: string } | undefined)[] };
      }
    )(imageIds, seg.buffer as ArrayBuffer, { get: metadata });
    assert.equal(state.labelmapBufferArray.length, 1, 'no overlap seen');
    assert.deepEqual(new Uint16Array(state.labelmapBufferArray[0]), Uint16Array.from(labels));
    assert.deepEqual(
      state.segMetadata.data.slice(1).map((s) => s?.SegmentLabel),
      ['A', 'B'],
    );
  });
}
