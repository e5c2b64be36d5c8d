import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { DecodeTimeout, decodeInPool } from './decodePool';
import type { DecodeOptions } from './decodePool';
import { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';
import { parseDataSet } from './parseHeader';
import { pixelEncoding } from './transferSyntax';
import { errorMessage } from '../errors/errorMessage';

/** The whole-file parse of the last file read, so the frames of a multi-frame file parse once. */
let cached: { path: string; dataSet: DataSet } | undefined;

function fullDataSet(slice: DicomSlice): DataSet {
  if (cached?.path !== slice.path) {
    cached = { path: slice.path, dataSet: parseDataSet(slice.source.all(), slice.path, false) };
  }
  return cached.dataSet;
}

/** Forgets the cached parse once a series is built, so its file buffer can be freed. */
export function releaseFrameCache(): void {
  cached = undefined;
}

function pixelElement(dataSet: DataSet, path: string) {
  const element = dataSet.elements['x7fe00010'] ?? dataSet.elements['x7fe00008'];
  if (!element) throw new DicomReadError(path, 'no Pixel Data', 'not-image');
  return element;
}

/** The compressed bytes of one frame of encapsulated pixel data. */
function encapsulatedFrame(dataSet: DataSet, slice: DicomSlice): Uint8Array {
  const element = pixelElement(dataSet, slice.path);
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) {
    throw new DicomReadError(slice.path, 'encapsulated Pixel Data holds no fragments', 'truncated');
  }
  const frames = Math.max(1, dataSet.intString('x00280008') ?? 1);
  const { frame } = slice.location;
  if (frames === 1) {
    return dicomParser.readEncapsulatedPixelDataFromFragments(
      dataSet,
      element,
      0,
      fragments.length,
    );
  }
  if ((element.basicOffsetTable ?? []).length > 0) {
    return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame);
  }
  if (fragments.length === frames) {
    return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, frame, 1);
  }
  const table = dicomParser.createJPEGBasicOffsetTable(dataSet, element);
  return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame, table);
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let n = 0; n < bytes.length; n += width)
    for (let b = 0; b < width; b++) out[n + b] = bytes[n + width - 1 - b];
  return out;
}

/**
 * The stored values of one frame as little-endian bytes, `rows*columns*bitsAllocated/8` long,
 * whatever the transfer syntax. `scratch` receives native little-endian frames without a copy.
 * Compressed and RLE frames are decoded on the worker pool, within its time budget; an abort
 * of `options.signal` stops a decode in progress and is thrown as it is.
 */
export async function framePixels(
  slice: DicomSlice,
  scratch: Uint8Array,
  options: DecodeOptions = {},
): Promise<Uint8Array> {
  const { location, path } = slice;
  const bytes = slice.format.bitsAllocated / 8;
  const expected = slice.rows * slice.columns * bytes;
  const encoding = pixelEncoding(location.transferSyntax);
  if (encoding === 'native' && location.offset >= 0) {
    slice.source.readInto(scratch.subarray(0, expected), location.offset);
    return scratch.subarray(0, expected);
  }
  const dataSet = fullDataSet(slice);
  let decoded: Uint8Array;
  try {
    if (encoding === 'native' || encoding === 'deflate' || encoding === 'native-big-endian') {
      const element = pixelElement(dataSet, path);
      const start = element.dataOffset + location.frame * expected;
      if (start + expected > dataSet.byteArray.length) {
        throw new DicomReadError(
          path,
          `Pixel Data ends before frame ${location.frame + 1}`,
          'truncated',
        );
      }
      const raw = dataSet.byteArray.subarray(start, start + expected);
      decoded = encoding === 'native-big-endian' && bytes > 1 ? swapBytes(raw, bytes) : raw;
    } else if (encoding) {
      decoded = await decodeInPool(
        {
          encoding,
          encoded: encapsulatedFrame(dataSet, slice),
          bytesPerSample: bytes,
          pixels: slice.rows * slice.columns,
        },
        options,
      );
    } else {
      throw new DicomReadError(
        path,
        `transfer syntax ${location.transferSyntax} is not supported`,
        'unsupported',
      );
    }
  } catch (error) {
    if (error instanceof DicomReadError || options.signal?.aborted) throw error;
    if (error instanceof DecodeTimeout) throw new DicomReadError(path, error.message, 'timeout');
    const reason = errorMessage(error);
    throw new DicomReadError(path, `cannot decode ${encoding} pixel data (${reason})`, 'malformed');
  }
  if (decoded.length < expected) {
    throw new DicomReadError(
      path,
      `decoded frame holds ${decoded.length} bytes where ${slice.columns}x${slice.rows} pixels need ${expected}`,
      'malformed',
    );
  }
  return decoded.subarray(0, expected);
}
