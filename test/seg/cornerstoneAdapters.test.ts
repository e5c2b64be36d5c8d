import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { metaData } from '@cornerstonejs/core';
import { createLabelmapsFromDICOMBuffer } from '@cornerstonejs/adapters/cornerstone3D/Segmentation/labelmapImagesFromBuffer';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { encodeSeg } from '../../src/dicom/seg/encodeSeg';
import { readSourceSeries } from '../../src/dicom/seg/readSourceSeries';
import type { SegmentDefinition } from '../../src/dicom/seg/Segment';
import { voxelToLps } from '../../src/volume/affine';
import { dciodvfy } from '../helpers/dicom3tools';
import { brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';

/**
 * Our SEGs read by @cornerstonejs/adapters 5.14, the SEG reader OHIF uses, through the same
 * entry point a viewer calls for a SEG file (createLabelmapsFromDICOMBuffer), with a metadata
 * provider that describes the source series as Cornerstone's own providers would. That reader
 * accepts 1-bit Pixel Data only at its exact packed length, so a file whose packed frames end on
 * an odd byte (padded to even, as DICOM requires) used to be refused. Frame sizes and segment
 * counts below give odd and even packed lengths; each must come back voxel-exact, and pass
 * dciodvfy without an error or warning.
 */

const work = mkdtempSync(join(tmpdir(), 'seg-adapters-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `n` segments from the anatomy: intensity bins of the brain, so each has its own shape. */
function binnedLabels(voxels: Uint16Array, n: number): Uint8Array {
  let max = 0;
  for (const v of voxels) max = Math.max(max, v);
  const floor = 30;
  const step = (max + 1 - floor) / n;
  return Uint8Array.from(voxels, (v) =>
    v < floor ? 0 : 1 + Math.min(n - 1, Math.floor((v - floor) / step)),
  );
}

function segmentsOf(n: number): SegmentDefinition[] {
  return Array.from({ length: n }, (_, s) => ({
    labelValue: s + 1,
    label: `Segment ${s + 1}`,
    color: [(40 * s) % 256, 200, 90] as [number, number, number],
    kind: 'tissue' as const,
    algorithmType: 'MANUAL' as const,
  }));
}

/** Pixel Data's value length as written, from the file's bytes. */
function pixelDataLength(file: Uint8Array): number {
  // (7FE0,0010) OB, two reserved bytes, then the 32-bit length
  for (let i = file.length - 12; i >= 0; i--) {
    if (file[i] === 0xe0 && file[i + 1] === 0x7f && file[i + 2] === 0x10 && file[i + 3] === 0x00)
      return new DataView(file.buffer, file.byteOffset + i + 8, 4).getUint32(0, true);
  }
  throw new Error('no Pixel Data');
}

let providerOf: ((type: string, imageId: string) => unknown) | null = null;
// Cornerstone's derived labelmap images look up the source images through the global registry
metaData.addProvider((type: string, imageId: string) => providerOf?.(type, imageId), 10_000);

interface Case {
  name: string;
  factor: number;
  orientation: keyof typeof ORIENTATIONS;
  segments: number;
}

const cases: Case[] = [
  // 25x31 = 775 pixels a frame: consecutive frames share bytes
  { name: 'oblique, 775-pixel frames', factor: 7, orientation: 'oblique', segments: 1 },
  { name: 'oblique, 775-pixel frames', factor: 7, orientation: 'oblique', segments: 2 },
  { name: 'oblique, 775-pixel frames', factor: 7, orientation: 'oblique', segments: 3 },
  { name: 'axial, 775-pixel frames', factor: 7, orientation: 'axial', segments: 7 },
  // 30x36 = 1080 pixels: whole bytes, but 135 of them, so an odd frame count ends on an odd byte
  { name: 'sagittal, 1080-pixel frames', factor: 6, orientation: 'sagittal', segments: 3 },
  { name: 'coronal, 1080-pixel frames', factor: 6, orientation: 'coronal', segments: 7 },
];

for (const c of cases) {
  test(`Cornerstone3D's adapters read our SEG voxel-exact: ${c.name}, ${c.segments} segment(s)`, async () => {
    const brain = brainVoxels(c.factor);
    const [cols, rows, slices] = brain.dims;
    const fixture = writeSeries(
      join(work, `${c.orientation}-${c.factor}-${c.segments}`),
      brain.dims,
      brain.voxels,
      ORIENTATIONS[c.orientation],
      [1.5, 1.25, 2.5],
      [-21.5, 30.25, 40],
    );
    const { description, volume } = await readDicomFolder(fixture.dir);
    const source = await readSourceSeries(
      fixture.dir,
      description.seriesInstanceUid,
      volume.geometry,
    );
    const labels = binnedLabels(brain.voxels, c.segments);
    const seg = encodeSeg(source, labels, segmentsOf(c.segments), {
      seriesDescription: 'adapters',
      softwareVersion: '0',
    });

    // the packed frames fill an even number of bytes: no pad byte for the reader to stumble on
    const length = pixelDataLength(seg);
    assert.equal(length % 2, 0);
    const path = join(work, `${c.orientation}-${c.factor}-${c.segments}.seg.dcm`);
    writeFileSync(path, seg);
    const checked = dciodvfy(path);
    assert.deepEqual(checked.errors, []);
    assert.deepEqual(checked.warnings, []);

    const o = ORIENTATIONS[c.orientation];
    const imageIds = Array.from({ length: slices }, (_, k) => `fixture:${c.segments}:${k}`);
    providerOf = (type, imageId) => {
      if (!imageId.startsWith('fixture:')) return undefined;
      const k = Number(imageId.split(':')[2]);
      const position = voxelToLps(volume.geometry, [0, 0, k]);
      switch (type) {
        case 'imagePlaneModule':
          return {
            rowCosines: [...o.slice(0, 3)],
            columnCosines: [...o.slice(3)],
            rows,
            columns: cols,
            imagePositionPatient: position,
            rowPixelSpacing: 1.25,
            columnPixelSpacing: 1.5,
            frameOfReferenceUID: source.frameOfReferenceUid,
          };
        case 'imagePixelModule':
          return { rows, columns: cols, bitsAllocated: 16, samplesPerPixel: 1 };
        case 'generalSeriesModule':
          return { seriesInstanceUID: fixture.seriesInstanceUid, modality: 'MR' };
        case 'generalImageModule':
          return { sopInstanceUID: fixture.sopInstanceUids[k], instanceNumber: k + 1 };
        case 'sopCommonModule':
          return {
            sopInstanceUID: fixture.sopInstanceUids[k],
            sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
          };
        case 'instance':
          return {
            Rows: rows,
            Columns: cols,
            ImagePositionPatient: position,
            ImageOrientationPatient: [...o],
            FrameOfReferenceUID: source.frameOfReferenceUid,
            SeriesInstanceUID: fixture.seriesInstanceUid,
            SOPInstanceUID: fixture.sopInstanceUids[k],
          };
        default:
          return undefined;
      }
    };
    const result = await createLabelmapsFromDICOMBuffer(
      imageIds,
      seg.buffer.slice(seg.byteOffset, seg.byteOffset + seg.byteLength) as ArrayBuffer,
      { get: (type: string, imageId: string) => metaData.get(type, imageId) },
    );
    assert.equal(result.overlappingSegments, false);
    const images = result.labelMapImages[0] as {
      voxelManager: { getScalarData(): ArrayLike<number> };
    }[];
    assert.equal(images.length, slices);
    const read = new Uint8Array(labels.length);
    images.forEach((image, k) => read.set(image.voxelManager.getScalarData(), k * rows * cols));
    assert.deepEqual(read, labels);
  });
}
