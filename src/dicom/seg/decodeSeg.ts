import dcmjs from 'dcmjs';
import type { VolumeGeometry } from '../../volume/geometry';
import { dot, norm, sub } from '../../volume/vec3';
import type { Vec3 } from '../../volume/vec3';
import { dicomLabToRgb } from './cielab';
import { SEGMENTATION_SOP_CLASS } from './encodeSeg';
import { GridMismatchError } from './GridMismatchError';
import type { ReadSegment, SegmentAlgorithmType } from './Segment';
import type { CodedConcept } from './segmentKinds';

const UNCOMPRESSED = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99', // deflated: dcmjs inflates it while reading
]);

export interface DecodedSeg {
  /** on the open series' grid, [slice][row][column]; the value of a voxel is its segment number */
  labelmap: Uint8Array | Uint16Array;
  segments: ReadSegment[];
  referencedSeriesInstanceUid?: string;
  /** voxels in more than one segment: a labelmap keeps the highest segment number there */
  overlappingVoxels: number;
}

type Item = Record<string, unknown>;

function first(value: unknown): Item | undefined {
  return Array.isArray(value) ? (value[0] as Item | undefined) : undefined;
}

/** A functional group macro from the frame's own item, else the shared one. */
function group(
  perFrame: Item | undefined,
  shared: Item | undefined,
  name: string,
): Item | undefined {
  return first(perFrame?.[name]) ?? first(shared?.[name]);
}

function numbers(value: unknown): number[] {
  return (Array.isArray(value) ? value : [value]).map(Number);
}

function concept(value: unknown): CodedConcept {
  const item = first(value) ?? {};
  return {
    value: String(item.CodeValue ?? ''),
    scheme: String(item.CodingSchemeDesignator ?? ''),
    meaning: String(item.CodeMeaning ?? ''),
  };
}

function readSegments(dataset: Item): ReadSegment[] {
  const items = (dataset.SegmentSequence as Item[] | undefined) ?? [];
  if (items.length === 0) throw new Error('the SEG lists no segment (Segment Sequence is empty)');
  return items.map((s) => ({
    labelValue: Number(s.SegmentNumber),
    label: String(s.SegmentLabel ?? ''),
    color: s.RecommendedDisplayCIELabValue
      ? dicomLabToRgb(numbers(s.RecommendedDisplayCIELabValue))
      : [255, 255, 255],
    category: concept(s.SegmentedPropertyCategoryCodeSequence),
    type: concept(s.SegmentedPropertyTypeCodeSequence),
    algorithmType: String(s.SegmentAlgorithmType ?? 'MANUAL') as SegmentAlgorithmType,
    ...(s.SegmentAlgorithmName ? { algorithmName: String(s.SegmentAlgorithmName) } : {}),
  }));
}

function pixelBytes(dataset: Item): Uint8Array {
  const data = dataset.PixelData;
  const buffers = (Array.isArray(data) ? data : [data]) as ArrayBuffer[];
  if (!buffers[0]) throw new Error('the SEG has no Pixel Data');
  if (buffers.length > 1) throw new Error('the SEG pixel data is encapsulated: not supported');
  return new Uint8Array(buffers[0]);
}

/** Where each frame goes: the slice index of its position on `geometry`, checked to lie on it. */
function sliceOfFrame(position: Vec3, geometry: VolumeGeometry, frame: number): number {
  const d = geometry.direction;
  const normal: Vec3 = [d[6], d[7], d[8]];
  const offset = sub(position, geometry.origin);
  const along = dot(offset, normal) / geometry.spacing[2];
  const k = Math.round(along);
  const inPlane = sub(offset, normal.map((v) => v * k * geometry.spacing[2]) as Vec3);
  const tolerance = 0.01 * Math.min(...geometry.spacing);
  if (Math.abs(along - k) * geometry.spacing[2] > tolerance || norm(inPlane) > tolerance) {
    throw new GridMismatchError(
      'the SEG',
      `frame ${frame + 1} at (${position.map((v) => v.toFixed(2)).join(', ')}) is not on a slice`,
    );
  }
  if (k < 0 || k >= geometry.dimensions[2]) {
    throw new GridMismatchError('the SEG', `frame ${frame + 1} lies outside the series' slices`);
  }
  return k;
}

function checkSize(dataset: Item, geometry: VolumeGeometry): void {
  const [cols, rows] = geometry.dimensions;
  if (Number(dataset.Rows) !== rows || Number(dataset.Columns) !== cols) {
    throw new GridMismatchError(
      'the SEG',
      `its frames are ${dataset.Columns}x${dataset.Rows}, the slices ${cols}x${rows}`,
    );
  }
}

/** Orientation and pixel spacing of one frame: shared by all frames, or given frame by frame. */
function checkPlane(
  item: Item | undefined,
  shared: Item | undefined,
  geometry: VolumeGeometry,
): void {
  const orientation = numbers(
    group(item, shared, 'PlaneOrientationSequence')?.ImageOrientationPatient,
  );
  if (
    orientation.length !== 6 ||
    orientation.some((v, n) => !(Math.abs(v - geometry.direction[n]) < 1e-4))
  ) {
    throw new GridMismatchError(
      'the SEG',
      `its orientation (${orientation.join(', ')}) differs from the series'`,
    );
  }
  const spacing = numbers(group(item, shared, 'PixelMeasuresSequence')?.PixelSpacing);
  const expected = [geometry.spacing[1], geometry.spacing[0]];
  if (
    spacing.length !== 2 ||
    spacing.some((v, n) => !(Math.abs(v - expected[n]) < 1e-4 * expected[n]))
  ) {
    throw new GridMismatchError(
      'the SEG',
      `its pixel spacing ${spacing.join('\\')} differs from the series' ${expected.join('\\')}`,
    );
  }
}

/**
 * Reads a DICOM SEG (binary, or fractional thresholded at one half) onto the grid of an open
 * series, voxel for voxel. The SEG's frames must lie exactly on that grid: same frame of
 * reference, orientation, pixel spacing and size, every frame on one of its slices; otherwise a
 * GridMismatchError says which. Nothing is resampled.
 */
export function decodeSeg(
  bytes: Uint8Array,
  geometry: VolumeGeometry,
  frameOfReferenceUid?: string,
): DecodedSeg {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let file: { meta: Item; dict: Item };
  try {
    file = dcmjs.data.DicomMessage.readFile(copy as ArrayBuffer);
  } catch (error) {
    throw new Error(
      `not a readable DICOM file (${error instanceof Error ? error.message : error})`,
      { cause: error },
    );
  }
  const { naturalizeDataset } = dcmjs.data.DicomMetaDictionary;
  const meta = naturalizeDataset(file.meta);
  const dataset = naturalizeDataset(file.dict);
  if (dataset.SOPClassUID !== SEGMENTATION_SOP_CLASS) {
    throw new Error(`not a DICOM Segmentation (SOP Class ${String(dataset.SOPClassUID)})`);
  }
  const syntax = String(meta.TransferSyntaxUID ?? '1.2.840.10008.1.2');
  if (!UNCOMPRESSED.has(syntax)) throw new Error(`SEG transfer syntax ${syntax} is not supported`);
  if (frameOfReferenceUid && dataset.FrameOfReferenceUID !== frameOfReferenceUid) {
    throw new GridMismatchError(
      'the SEG',
      `its frame of reference ${String(dataset.FrameOfReferenceUID)} is not the series' ${frameOfReferenceUid}`,
    );
  }
  const shared = first(dataset.SharedFunctionalGroupsSequence);
  checkSize(dataset, geometry);
  const segments = readSegments(dataset);

  const type = String(dataset.SegmentationType);
  const bits = Number(dataset.BitsAllocated);
  if (!((type === 'BINARY' && bits === 1) || (type === 'FRACTIONAL' && bits === 8))) {
    throw new Error(`Segmentation Type ${type} with ${bits} bits allocated is not supported`);
  }
  const threshold = type === 'FRACTIONAL' ? Number(dataset.MaximumFractionalValue ?? 255) / 2 : 0;
  const perFrame = (dataset.PerFrameFunctionalGroupsSequence as Item[] | undefined) ?? [];
  const frames = Number(dataset.NumberOfFrames ?? 1);
  if (perFrame.length !== frames) {
    throw new Error(`the SEG has ${frames} frames but ${perFrame.length} per-frame descriptions`);
  }
  const [cols, rows, slices] = geometry.dimensions;
  const inPlane = cols * rows;
  const pixels = pixelBytes(dataset);
  const needed = type === 'BINARY' ? Math.ceil((frames * inPlane) / 8) : frames * inPlane;
  if (pixels.length < needed) {
    throw new Error(`the SEG's pixel data holds ${pixels.length} bytes, ${needed} expected`);
  }
  const known = new Set(segments.map((s) => s.labelValue));
  const labelmap =
    Math.max(...known) > 255 ? new Uint16Array(inPlane * slices) : new Uint8Array(inPlane * slices);
  let overlappingVoxels = 0;
  perFrame.forEach((item, f) => {
    const segment = Number(
      group(item, shared, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber,
    );
    if (!known.has(segment))
      throw new Error(`frame ${f + 1} names segment ${segment}, which the SEG does not list`);
    const position = numbers(group(item, shared, 'PlanePositionSequence')?.ImagePositionPatient);
    if (position.length !== 3 || position.some((v) => !Number.isFinite(v))) {
      throw new Error(`frame ${f + 1} has no Image Position (Patient)`);
    }
    checkPlane(item, shared, geometry);
    const base = sliceOfFrame(position as Vec3, geometry, f) * inPlane;
    for (let n = 0; n < inPlane; n++) {
      const at = f * inPlane + n;
      const set = type === 'BINARY' ? (pixels[at >> 3] >> (at & 7)) & 1 : pixels[at] > threshold;
      if (!set) continue;
      const current = labelmap[base + n];
      if (current !== 0 && current !== segment) overlappingVoxels++;
      if (segment > current) labelmap[base + n] = segment;
    }
  });
  const referenced = first(dataset.ReferencedSeriesSequence)?.SeriesInstanceUID;
  return {
    labelmap,
    segments,
    ...(referenced ? { referencedSeriesInstanceUid: String(referenced) } : {}),
    overlappingVoxels,
  };
}
