import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';

const UNCOMPRESSED_LITTLE_ENDIAN = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

function numbers(
  dataSet: DataSet,
  tag: string,
  count: number,
  path: string,
  name: string,
): number[] {
  const text = dataSet.string(tag);
  const values = text?.split('\\').map(Number) ?? [];
  if (values.length < count || values.some((v) => !Number.isFinite(v))) {
    throw new DicomReadError(path, `missing or malformed ${name} (${tag})`);
  }
  return values.slice(0, count);
}

function typedPixels(dataSet: DataSet, path: string, count: number): DicomSlice['pixels'] {
  const element = dataSet.elements['x7fe00010'];
  if (!element) throw new DicomReadError(path, 'no Pixel Data (7FE0,0010): not an image');
  if (element.encapsulatedPixelData) {
    throw new DicomReadError(path, 'compressed pixel data is not supported yet');
  }
  const bits = dataSet.uint16('x00280100');
  const signed = dataSet.uint16('x00280103') === 1;
  const bytes = bits === 8 ? 1 : bits === 16 ? 2 : 0;
  if (!bytes) throw new DicomReadError(path, `Bits Allocated ${bits} is not supported`);
  if (element.length < count * bytes) {
    throw new DicomReadError(
      path,
      `Pixel Data holds ${element.length} bytes, ${count * bytes} expected`,
    );
  }
  // Copy out of the file buffer: typed arrays need an aligned offset, and the slice outlives it.
  const raw = new Uint8Array(
    dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + count * bytes),
  );
  if (bytes === 1) return signed ? new Int8Array(raw.buffer) : new Uint8Array(raw.buffer);
  return signed ? new Int16Array(raw.buffer) : new Uint16Array(raw.buffer);
}

/** Parses one DICOM file into a slice; throws DicomReadError naming the file and the problem. */
export function parseSlice(bytes: Uint8Array, path: string): DicomSlice {
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DicomReadError(path, `not a readable DICOM file (${reason})`);
  }
  const syntax = dataSet.string('x00020010') ?? '1.2.840.10008.1.2';
  if (!UNCOMPRESSED_LITTLE_ENDIAN.has(syntax)) {
    throw new DicomReadError(path, `transfer syntax ${syntax} is not supported yet`);
  }
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  if (!rows || !columns) throw new DicomReadError(path, 'no Rows/Columns: not an image');
  if ((dataSet.uint16('x00280002') ?? 1) !== 1) {
    throw new DicomReadError(path, 'only single-sample (greyscale) images are supported');
  }
  const [rowSpacing, colSpacing] = numbers(dataSet, 'x00280030', 2, path, 'Pixel Spacing');
  const position = numbers(dataSet, 'x00200032', 3, path, 'Image Position (Patient)');
  const orientation = numbers(dataSet, 'x00200037', 6, path, 'Image Orientation (Patient)');
  return {
    path,
    studyInstanceUid: dataSet.string('x0020000d') ?? '',
    seriesInstanceUid: dataSet.string('x0020000e') ?? '',
    sopInstanceUid: dataSet.string('x00080018') ?? '',
    patientName: dataSet.string('x00100010') ?? '',
    studyDescription: dataSet.string('x00081030') ?? '',
    seriesDescription: dataSet.string('x0008103e') ?? '',
    modality: dataSet.string('x00080060') ?? '',
    rows,
    columns,
    pixelSpacing: [rowSpacing, colSpacing],
    imagePosition: [position[0], position[1], position[2]],
    imageOrientation: orientation as DicomSlice['imageOrientation'],
    rescaleSlope: dataSet.floatString('x00281053') ?? 1,
    rescaleIntercept: dataSet.floatString('x00281052') ?? 0,
    pixels: typedPixels(dataSet, path, rows * columns),
  };
}
