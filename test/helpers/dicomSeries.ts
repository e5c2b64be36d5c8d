import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { decimalString } from '../../src/dicom/seg/dicomValues';
import { encodePart10, newUid } from '../../src/dicom/part10';
import { blockAverage, readUint8Nifti } from '../../scripts/mricronCases';

export { newUid };

/** ch2bet (Debian mricron-data) averaged over factor^3 blocks: real anatomy, small and fast. */
export function brainVoxels(factor: number): {
  dims: [number, number, number];
  voxels: Uint16Array;
} {
  const source = readUint8Nifti('/usr/share/mricron/templates/ch2bet.nii.gz');
  return blockAverage(source.voxels, source.dims, factor);
}

const c = Math.cos(0.35);
const s = Math.sin(0.35);
const c2 = Math.cos(0.2);
const s2 = Math.sin(0.2);

/** Orientations a SEG must keep: [row direction, column direction] in LPS. */
export const ORIENTATIONS = {
  axial: [1, 0, 0, 0, 1, 0],
  sagittal: [0, 1, 0, 0, 0, -1],
  coronal: [1, 0, 0, 0, 0, -1],
  // rotated about two axes: no direction along a patient axis
  oblique: [c, s * c2, s * s2, -s, c * c2, c * s2],
} as const;

export interface SeriesFixture {
  dir: string;
  geometry: VolumeGeometry;
  voxels: Uint16Array;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** SOP Instance UID of slice k, in the order along the normal */
  sopInstanceUids: string[];
}

/**
 * Writes `voxels` ([slice][row][column]) as a single-frame MR series in `dir` on the grid given
 * by an orientation, spacing and origin; file names shuffled, as the order must come from
 * positions. The same way scripts/make-sample.ts writes the bundled sample.
 */
export function writeSeries(
  dir: string,
  dims: [number, number, number],
  voxels: Uint16Array,
  orientation: readonly number[],
  spacing: [number, number, number],
  origin: [number, number, number],
  study = { uid: newUid(), frameOfReference: newUid() },
  /** attributes that replace or add to the MR defaults (a CT's modality, rescale, window) */
  attributes: Record<string, unknown> = {},
): SeriesFixture {
  mkdirSync(dir, { recursive: true });
  const [nx, ny, nz] = dims;
  const o = orientation;
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const series = newUid();
  const uids: string[] = [];
  for (let k = 0; k < nz; k++) {
    const sop = newUid();
    uids.push(sop);
    const position = origin.map((v, r) => v + k * spacing[2] * normal[r]);
    const dataset = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.4',
      SOPInstanceUID: sop,
      StudyDate: '20261101',
      StudyTime: '120000',
      Modality: 'MR',
      Manufacturer: 'test fixture',
      PatientName: 'Fixture^Brain',
      PatientID: 'FIXTURE-1',
      PatientBirthDate: '',
      PatientSex: 'O',
      StudyInstanceUID: study.uid,
      SeriesInstanceUID: series,
      StudyID: '1',
      ReferringPhysicianName: '',
      AccessionNumber: '',
      ScanningSequence: 'GR',
      SequenceVariant: 'SP',
      ScanOptions: '',
      MRAcquisitionType: '3D',
      RepetitionTime: '22',
      EchoTime: '9.2',
      EchoTrainLength: '1',
      SeriesNumber: '2',
      InstanceNumber: String(k + 1),
      StudyDescription: 'Fixture brain MR',
      SeriesDescription: 'fixture',
      FrameOfReferenceUID: study.frameOfReference,
      PositionReferenceIndicator: '',
      ImagePositionPatient: position.map(decimalString),
      ImageOrientationPatient: orientation.map(decimalString),
      SliceThickness: String(spacing[2]),
      PixelSpacing: [spacing[1], spacing[0]],
      ImageType: ['ORIGINAL', 'PRIMARY', 'OTHER'],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ny,
      Columns: nx,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      PixelData: voxels.slice(k * nx * ny, (k + 1) * nx * ny).buffer,
      _vrMap: { PixelData: 'OW' },
      ...attributes,
    };
    writeFileSync(join(dir, `IM${(k * 7) % nz}-${k}.dcm`), Buffer.from(encodePart10(dataset)));
  }
  return {
    dir,
    geometry: {
      dimensions: dims,
      spacing,
      origin,
      direction: [...orientation, ...normal] as VolumeGeometry['direction'],
    },
    voxels,
    studyInstanceUid: study.uid,
    seriesInstanceUid: series,
    sopInstanceUids: uids,
  };
}

/** Two labels from the anatomy, so frames differ from slice to slice and some slices stay empty. */
export function brainLabels(voxels: Uint16Array): Uint8Array {
  return Uint8Array.from(voxels, (v) => (v > 110 ? 1 : v > 60 ? 2 : 0));
}
