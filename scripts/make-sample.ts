// Makes the bundled sample study (assets/sample): Debian mricron-data's Colin27 brain
// (ch2bet.nii.gz, 1 mm, skull-stripped) averaged to 2 mm and written as an axial MR DICOM series,
// rows running patient left and columns posterior, as scanners write axial images.
// Usage: npm run sample [-- <nifti> <out-dir> <factor>]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePart10, newUid } from '../src/dicom/part10';
import { blockAverage, readUint8Nifti } from './mricronCases';

const [
  source = '/usr/share/mricron/templates/ch2bet.nii.gz',
  outDir = 'assets/sample',
  factorArg = '2',
] = process.argv.slice(2);
const factor = Number(factorArg);

/** Averages factor^3 blocks: the grid shrinks, the block centre keeps its world position. */
function downsample(src: ReturnType<typeof readUint8Nifti>, f: number) {
  const { dims, voxels } = blockAverage(src.voxels, src.dims, f);
  const shift = (f - 1) / 2;
  const affine = src.affine.map((row, r) =>
    r < 3 ? [row[0] * f, row[1] * f, row[2] * f, row[3] + shift * (row[0] + row[1] + row[2])] : row,
  );
  return { dims, affine, voxels };
}

function main(): void {
  const volume = downsample(readUint8Nifti(source), factor);
  const [nx, ny, nz] = volume.dims;
  const a = volume.affine;
  // RAS -> LPS, and i, j reversed: DICOM column c = nx-1-i, row r = ny-1-j.
  const lps = (i: number, j: number, k: number) =>
    [0, 1, 2].map((r) => (r < 2 ? -1 : 1) * (a[r][0] * i + a[r][1] * j + a[r][2] * k + a[r][3]));
  const rowDir = [0, 1, 2].map((r) => ((r < 2 ? 1 : -1) * a[r][0]) / factor);
  const colDir = [0, 1, 2].map((r) => ((r < 2 ? 1 : -1) * a[r][1]) / factor);
  const spacing = [
    Math.hypot(a[0][0], a[1][0], a[2][0]),
    Math.hypot(a[0][1], a[1][1], a[2][1]),
    Math.hypot(a[0][2], a[1][2], a[2][2]),
  ];

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const study = newUid();
  const series = newUid();
  const frameOfReference = newUid();
  for (let k = 0; k < nz; k++) {
    const pixels = new Uint16Array(nx * ny);
    for (let r = 0; r < ny; r++)
      for (let c = 0; c < nx; c++)
        pixels[r * nx + c] = volume.voxels[(k * ny + (ny - 1 - r)) * nx + (nx - 1 - c)];
    const sopInstance = newUid();
    const position = lps(nx - 1, ny - 1, k);
    const dataset = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.4',
      SOPInstanceUID: sopInstance,
      StudyDate: '20261101',
      StudyTime: '120000',
      Modality: 'MR',
      Manufacturer: 'mricron-data (Colin27)',
      PatientName: 'Colin27^Sample',
      PatientID: 'SAMPLE-0001',
      PatientBirthDate: '',
      PatientSex: 'M',
      StudyInstanceUID: study,
      SeriesInstanceUID: series,
      StudyID: '1',
      ReferringPhysicianName: '',
      AccessionNumber: '',
      PatientPosition: 'HFS',
      PositionReferenceIndicator: '',
      ImageType: ['DERIVED', 'SECONDARY', 'OTHER'],
      Laterality: '',
      ScanningSequence: 'GR',
      SequenceVariant: 'SP',
      ScanOptions: '',
      MRAcquisitionType: '3D',
      RepetitionTime: '22',
      EchoTime: '9.2',
      EchoTrainLength: '1',
      MagneticFieldStrength: '1.5',
      SpacingBetweenSlices: String(spacing[2]),
      SeriesDate: '20261101',
      SeriesTime: '120000',
      ContentDate: '20261101',
      ContentTime: '120000',
      SeriesNumber: '1',
      InstanceNumber: String(k + 1),
      StudyDescription: 'Sample brain MR',
      SeriesDescription: `T1 brain (skull-stripped) ${factor} mm`,
      FrameOfReferenceUID: frameOfReference,
      ImagePositionPatient: position,
      ImageOrientationPatient: [...rowDir, ...colDir],
      SliceThickness: String(spacing[2]),
      PixelSpacing: [spacing[1], spacing[0]],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ny,
      Columns: nx,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      RescaleIntercept: '0',
      RescaleSlope: '1',
      WindowCenter: '128',
      WindowWidth: '256',
      PixelData: pixels.buffer,
      _vrMap: { PixelData: 'OW' },
    };
    // Shuffled-looking names on purpose: slice order must come from positions, not names.
    writeFileSync(
      join(outDir, `IM${String((k * 37) % nz).padStart(4, '0')}-${k}.dcm`),
      Buffer.from(encodePart10(dataset)),
    );
  }
  console.log(`wrote ${nz} slices of ${nx}x${ny} at ${spacing.join('x')} mm to ${outDir}`);
}

main();
