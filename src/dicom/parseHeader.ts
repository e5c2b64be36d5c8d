import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { inflateSync } from 'fflate';
import { DicomReadError } from './DicomReadError';
import { displayWindowsOf } from './displayWindows';
import type { DicomSlice, PixelFormat } from './DicomSlice';
import type { FileSource } from './FileSource';
import { patientStudyOf } from './seg/patientStudy';
import { nonImageClass } from './sopClasses';
import {
  EXPLICIT_LITTLE_ENDIAN,
  IMPLICIT_LITTLE_ENDIAN,
  pixelEncoding,
  transferSyntaxName,
} from './transferSyntax';

const PIXEL_DATA = 'x7fe00010';
const FLOAT_PIXEL_DATA = 'x7fe00008';
const SHARED_GROUPS = 'x52009229';
const PER_FRAME_GROUPS = 'x52009230';

/** Deflated transfer syntax: everything after the file meta group is one raw deflate stream. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const body = inflateSync(bytes.subarray(position));
  const whole = new Uint8Array(position + body.length);
  whole.set(bytes.subarray(0, position));
  whole.set(body, position);
  return whole;
}

/** dicom-parser throws strings, Errors, or `{ exception, dataSet }` objects. */
export function parserMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error && 'exception' in error) return String(error.exception);
  return String(error);
}

/**
 * The transfer syntax of a file without the Part 10 preamble and meta group (old exports that
 * start with a group 0008 tag): explicit when a VR follows the first tag, else implicit.
 */
function rawDatasetSyntax(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8 || bytes[0] !== 0x08 || bytes[1] !== 0x00) return undefined;
  const isLetter = (b: number) => b >= 0x41 && b <= 0x5a;
  return isLetter(bytes[4]) && isLetter(bytes[5]) ? EXPLICIT_LITTLE_ENDIAN : IMPLICIT_LITTLE_ENDIAN;
}

/** The Transfer Syntax UID, also for a raw data set (dicom-parser keeps the one it assumed). */
export function transferSyntaxOf(dataSet: DataSet): string {
  const element = dataSet.elements['x00020010'] as { Value?: string } | undefined;
  if (element?.Value) return element.Value;
  return (dataSet.string('x00020010') ?? IMPLICIT_LITTLE_ENDIAN).trim();
}

/**
 * Parses a DICOM file, or its head when `untilPixels` is set (the pixel data element's offset
 * and length are read, its bytes are not). Throws DicomReadError naming the file.
 */
export function parseDataSet(bytes: Uint8Array, path: string, untilPixels: boolean): DataSet {
  if (bytes.length === 0) throw new DicomReadError(path, 'empty file', 'empty');
  const options = { inflater, ...(untilPixels ? { untilTag: PIXEL_DATA } : {}) };
  const part10 =
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d;
  const raw = part10 ? undefined : rawDatasetSyntax(bytes);
  if (!part10 && !raw) {
    throw new DicomReadError(path, 'not a DICOM file (no "DICM" at byte 128)', 'not-dicom');
  }
  try {
    return dicomParser.parseDicom(bytes, raw ? { ...options, TransferSyntaxUID: raw } : options);
  } catch (error) {
    const reason = parserMessage(error);
    if (raw) {
      throw new DicomReadError(
        path,
        `not a DICOM file (no "DICM" at byte 128, and not readable as a bare data set: ${reason})`,
        'not-dicom',
      );
    }
    throw new DicomReadError(path, `not a readable DICOM file (${reason})`, 'malformed');
  }
}

/** The first item's data set of a sequence, if present. */
function item(dataSet: DataSet | undefined, tag: string, index = 0): DataSet | undefined {
  return dataSet?.elements[tag]?.items?.[index]?.dataSet;
}

function numberList(dataSet: DataSet | undefined, tag: string): number[] | undefined {
  const text = dataSet?.string(tag);
  if (text === undefined || text === '') return undefined;
  return text.split('\\').map(Number);
}

/** Multi-valued decimal string of a fixed length; undefined when absent, error when malformed. */
function vector(
  path: string,
  name: string,
  tag: string,
  count: number,
  ...sources: (DataSet | undefined)[]
): number[] | undefined {
  for (const dataSet of sources) {
    const values = numberList(dataSet, tag);
    if (!values) continue;
    if (values.length < count || values.slice(0, count).some((v) => !Number.isFinite(v))) {
      throw new DicomReadError(
        path,
        `malformed ${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()}): "${dataSet?.string(tag)}"`,
      );
    }
    return values.slice(0, count);
  }
  return undefined;
}

function integer(dataSet: DataSet, tag: string, fallback: number): number {
  const value = dataSet.intString(tag);
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

function pixelFormat(dataSet: DataSet, path: string, float: boolean): PixelFormat {
  const samples = dataSet.uint16('x00280002') ?? 1;
  if (samples !== 1) {
    throw new DicomReadError(
      path,
      `colour image (Samples per Pixel ${samples}): only greyscale volumes are imported`,
      'unsupported',
    );
  }
  const photometric = (dataSet.string('x00280004') ?? 'MONOCHROME2').trim();
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new DicomReadError(
      path,
      `Photometric Interpretation ${photometric} is not a greyscale volume`,
      'unsupported',
    );
  }
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new DicomReadError(
      path,
      `Bits Allocated ${bitsAllocated} is not supported`,
      'unsupported',
    );
  }
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new DicomReadError(
      path,
      `Bits Stored ${bitsStored} does not fit Bits Allocated ${bitsAllocated}`,
    );
  }
  return {
    bitsAllocated,
    bitsStored,
    pixelRepresentation: dataSet.uint16('x00280103') === 1 ? 1 : 0,
    photometric,
    float,
  };
}

/**
 * Reads the header of one DICOM image file into slices: one for a single-frame image, one per
 * frame for an enhanced multi-frame object (per-frame functional groups). The source's size lets
 * a head parsed without its pixels be checked for truncation. Throws DicomReadError naming the
 * file.
 */
export function sliceHeaders(dataSet: DataSet, source: FileSource): DicomSlice[] {
  const { path, size: fileSize } = source;
  const sopClassUid = dataSet.string('x00080016') ?? dataSet.string('x00020002') ?? '';
  const nonImage = nonImageClass(sopClassUid);
  if (nonImage) throw new DicomReadError(path, `${nonImage}: not an image`, 'not-image');
  const floatPixels = !dataSet.elements[PIXEL_DATA] && !!dataSet.elements[FLOAT_PIXEL_DATA];
  const element: Element | undefined =
    dataSet.elements[PIXEL_DATA] ?? dataSet.elements[FLOAT_PIXEL_DATA];
  if (!element) throw new DicomReadError(path, 'no Pixel Data: not an image', 'not-image');
  const transferSyntax = transferSyntaxOf(dataSet);
  const encoding = pixelEncoding(transferSyntax);
  if (!encoding) {
    throw new DicomReadError(
      path,
      `transfer syntax ${transferSyntaxName(transferSyntax)} is not supported`,
      'unsupported',
    );
  }
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  if (!rows || !columns) throw new DicomReadError(path, 'no Rows/Columns: not an image');
  const format = pixelFormat(dataSet, path, floatPixels);
  const frames = Math.max(1, integer(dataSet, 'x00280008', 1));
  const frameBytes = rows * columns * (format.bitsAllocated / 8);
  const encapsulated = element.encapsulatedPixelData || element.length === 0xffffffff;
  if (!encapsulated && encoding !== 'deflate') {
    const needed = frameBytes * frames;
    if (element.length < needed) {
      throw new DicomReadError(
        path,
        `Pixel Data holds ${element.length} bytes where ${frames} frame(s) of ${columns}x${rows}x${format.bitsAllocated} bits need ${needed}`,
        'truncated',
      );
    }
    if (element.dataOffset + needed > fileSize) {
      throw new DicomReadError(
        path,
        `truncated: Pixel Data needs ${needed} bytes from byte ${element.dataOffset} but the file ends at ${fileSize}`,
        'truncated',
      );
    }
  }
  const shared = item(dataSet, SHARED_GROUPS);
  const base = {
    path,
    source,
    studyInstanceUid: dataSet.string('x0020000d') ?? '',
    seriesInstanceUid: dataSet.string('x0020000e') ?? '',
    sopInstanceUid: dataSet.string('x00080018') ?? '',
    sopClassUid,
    frameOfReferenceUid: dataSet.string('x00200052') ?? '',
    patientStudy: patientStudyOf(dataSet),
    patientName: dataSet.string('x00100010') ?? '',
    patientId: dataSet.string('x00100020') ?? '',
    studyDate: dataSet.string('x00080020') ?? '',
    studyDescription: dataSet.string('x00081030') ?? '',
    seriesDescription: dataSet.string('x0008103e') ?? '',
    seriesNumber: integer(dataSet, 'x00200011', 0),
    modality: dataSet.string('x00080060') ?? '',
    instanceNumber: integer(dataSet, 'x00200013', 0),
    acquisitionNumber: integer(dataSet, 'x00200012', 0),
    echoNumber: integer(dataSet, 'x00180086', 0),
    echoTime: dataSet.floatString('x00180081') ?? 0,
    temporalPosition: integer(dataSet, 'x00200100', 0),
    triggerTime: dataSet.floatString('x00181060') ?? 0,
    rows,
    columns,
    gantryTilt: dataSet.floatString('x00181120') ?? 0,
    sliceThickness: dataSet.floatString('x00180050') ?? 0,
    format,
  };
  const slices: DicomSlice[] = [];
  if (frames > 1 && !dataSet.elements[PER_FRAME_GROUPS]) {
    // Cine, projection or NM frames share one Image Position: they are not slices of a volume.
    throw new DicomReadError(
      path,
      `${frames} frames without per-frame positions (Per-frame Functional Groups): not a volume`,
      'unsupported',
    );
  }
  for (let frame = 0; frame < frames; frame++) {
    const perFrame = item(dataSet, PER_FRAME_GROUPS, frame);
    const groups = [perFrame, shared];
    const find = (sequence: string) => groups.map((g) => item(g, sequence));
    const position = vector(
      path,
      'Image Position (Patient)',
      'x00200032',
      3,
      ...find('x00209113'),
      dataSet,
    );
    const orientation = vector(
      path,
      'Image Orientation (Patient)',
      'x00200037',
      6,
      ...find('x00209116'),
      dataSet,
    );
    const spacing = vector(path, 'Pixel Spacing', 'x00280030', 2, ...find('x00289110'), dataSet);
    if (!position || !orientation) {
      throw new DicomReadError(
        path,
        'no Image Position/Orientation (Patient): a 2D image, not part of a volume',
        'not-image',
      );
    }
    if (!spacing) throw new DicomReadError(path, 'no Pixel Spacing (0028,0030)');
    const rescale = [...find('x00289145'), dataSet].find(
      (d) => d?.string('x00281053') !== undefined,
    );
    // Enhanced objects say per frame which echo and which time point it belongs to.
    const echoTime = find('x00189114').find(Boolean)?.double('x00189082');
    const temporalIndex = item(perFrame, 'x00209111')?.uint32('x00209128');
    slices.push({
      ...base,
      // Frames of one object share its SOP Instance UID: the frame number keeps them apart.
      sopInstanceUid: frames > 1 ? `${base.sopInstanceUid}#${frame}` : base.sopInstanceUid,
      pixelSpacing: [spacing[0], spacing[1]],
      imagePosition: [position[0], position[1], position[2]],
      imageOrientation: orientation as DicomSlice['imageOrientation'],
      rescaleSlope: rescale?.floatString('x00281053') ?? 1,
      rescaleIntercept: rescale?.floatString('x00281052') ?? 0,
      // an enhanced frame's Frame VOI LUT, else the image's own VOI LUT module
      windows: displayWindowsOf(
        [...find('x00289132'), dataSet].find((d) => d?.string('x00281050') !== undefined),
      ),
      echoTime: echoTime ?? base.echoTime,
      temporalPosition: temporalIndex ?? base.temporalPosition,
      location: {
        transferSyntax,
        offset:
          encapsulated || encoding === 'deflate' ? -1 : element.dataOffset + frame * frameBytes,
        length: frameBytes,
        frame,
      },
    });
  }
  return slices;
}
