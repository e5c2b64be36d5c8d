import type { VoxelArray } from '../../volume/Volume';
import { rgbToDicomLab } from './cielab';
import { decimalString, dicomDateTime } from './dicomValues';
import { newUid } from '../part10';
import type { SegmentDefinition } from './Segment';
import { SEGMENT_KINDS } from './segmentKinds';
import type { CodedConcept } from './segmentKinds';
import type { SourceSeries } from './SourceSeries';
import { encodePart10 } from '../part10';

export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegOptions {
  seriesDescription: string;
  seriesNumber?: number;
  contentLabel?: string;
  creatorName?: string;
  softwareVersion: string;
  now?: Date;
  /**
   * The SEG's series and instance UIDs, when the caller must get the same ones again (a batch
   * that reruns a series stores the same object, so a server never holds two); default new.
   */
  uids?: { series: string; instance: string };
}

function code(concept: CodedConcept): Record<string, string> {
  return {
    CodeValue: concept.value,
    CodingSchemeDesignator: concept.scheme,
    CodeMeaning: concept.meaning,
  };
}

/** The (segment, slice) pairs that have voxels, segment by segment, slices in order: one pass. */
function framesOf(
  labelmap: VoxelArray,
  segments: SegmentDefinition[],
  inPlane: number,
  slices: number,
): { segment: number; slice: number }[] {
  const index = new Map(segments.map((s, n) => [s.labelValue, n]));
  const present = new Uint8Array(segments.length * slices);
  for (let k = 0; k < slices; k++) {
    for (let n = k * inPlane, end = n + inPlane; n < end; n++) {
      const v = labelmap[n];
      if (v === 0) continue;
      const s = index.get(v);
      if (s === undefined) {
        throw new Error(`the labelmap has voxels of label ${v}, which no segment describes`);
      }
      present[s * slices + k] = 1;
    }
  }
  const frames: { segment: number; slice: number }[] = [];
  present.forEach((p, n) => {
    if (p) frames.push({ segment: Math.floor(n / slices), slice: n % slices });
  });
  return frames;
}

/**
 * Adds empty frames, where the labelmap leaves room for them, until the packed frames fill an
 * even number of bytes.
 *
 * Frames of a binary SEG follow each other bit by bit and only the end of Pixel Data is padded,
 * to an even length (PS3.5 8.1.1); highdicom, dcmjs, DCMTK/dcmqi and pixelmed all write it so.
 * But Cornerstone3D's adapters (5.14, the reader OHIF uses) accept only the exact packed length
 * and refuse a file with the pad byte ("Unexpected 1-bit SEG PixelData length"). An empty frame
 * (a segment that is absent from a slice, which the IOD allows) moves the end instead: at most 15
 * of them make the length even, so no pad is needed and every one of those readers opens it.
 * Only when every segment has voxels on every slice is there no room; the pad stays then.
 */
export function withEvenPackedLength(
  frames: { segment: number; slice: number }[],
  segmentCount: number,
  slices: number,
  inPlane: number,
): { segment: number; slice: number }[] {
  const oddBytes = (count: number) => Math.ceil((count * inPlane) / 8) % 2 === 1;
  if (!oddBytes(frames.length)) return frames;
  const taken = new Set(frames.map(({ segment, slice }) => segment * slices + slice));
  const added: { segment: number; slice: number }[] = [];
  for (
    let pair = 0;
    pair < segmentCount * slices && oddBytes(frames.length + added.length);
    pair++
  ) {
    if (!taken.has(pair)) added.push({ segment: Math.floor(pair / slices), slice: pair % slices });
  }
  if (oddBytes(frames.length + added.length)) return frames;
  // frames stay ordered by segment, then by position along the normal
  return [...frames, ...added].sort((a, b) => a.segment - b.segment || a.slice - b.slice);
}

/**
 * Bits of a binary SEG: frames follow each other bit by bit, no padding between (PS3.5 8.1.1).
 * Written straight into the packed buffer: one byte per pixel per frame would not fit in
 * memory for a large CT.
 */
function packFrames(
  labelmap: VoxelArray,
  frames: { segment: number; slice: number }[],
  segments: SegmentDefinition[],
  inPlane: number,
): Uint8Array {
  const bytes = Math.ceil((frames.length * inPlane) / 8);
  const packed = new Uint8Array(bytes + (bytes % 2));
  frames.forEach(({ segment, slice }, f) => {
    const value = segments[segment].labelValue;
    const base = f * inPlane;
    const offset = slice * inPlane;
    for (let n = 0; n < inPlane; n++) {
      if (labelmap[offset + n] === value) packed[(base + n) >> 3] |= 1 << ((base + n) & 7);
    }
  });
  return packed;
}

function checkSegments(segments: SegmentDefinition[]): void {
  if (segments.length === 0) throw new Error('a SEG needs at least one segment');
  const seen = new Set<number>();
  for (const s of segments) {
    if (!Number.isInteger(s.labelValue) || s.labelValue < 1 || seen.has(s.labelValue)) {
      throw new Error(
        `segment "${s.label}": label value ${s.labelValue} is not a new positive integer`,
      );
    }
    seen.add(s.labelValue);
    if (!s.label.trim()) throw new Error(`segment ${s.labelValue} has no label`);
    if (s.algorithmType !== 'MANUAL' && !s.algorithmName) {
      throw new Error(
        `segment "${s.label}" is ${s.algorithmType}: name the algorithm that made it`,
      );
    }
  }
}

/** Each instance of the source once, though a multi-frame one holds many of its slices. */
function referencedInstances(source: SourceSeries) {
  const seen = new Set<string>();
  return source.instances
    .filter((i) => !seen.has(i.sopInstanceUid) && seen.add(i.sopInstanceUid))
    .map((i) => ({
      ReferencedSOPClassUID: i.sopClassUid,
      ReferencedSOPInstanceUID: i.sopInstanceUid,
    }));
}

/**
 * Encodes a labelmap on the grid of `source` as a binary DICOM Segmentation.
 *
 * Built with dcmjs's DicomDict rather than dcmjs.derivations.Segmentation: the derivation wants
 * the source turned into one enhanced multiframe dataset by dcmjs's normalizer first (a second
 * conversion of every source header, with its own geometry handling to trust) and fills in the
 * SEG from that. Here the dataset is written out attribute by attribute as the Segmentation IOD
 * lists them: each frame is a (segment, slice) pair, ordered by segment, then by position along
 * the slice normal, with the Dimension Organization, Plane Position, Derivation and Segment
 * Identification the IOD asks for; dciodvfy finds no error or warning in it.
 * Slices where a segment has no voxel get no frame, as the standard allows.
 */
export function encodeSeg(
  source: SourceSeries,
  labelmap: VoxelArray,
  segments: SegmentDefinition[],
  options: SegOptions,
): Uint8Array {
  const { geometry } = source;
  const [cols, rows, slices] = geometry.dimensions;
  const inPlane = cols * rows;
  if (labelmap.length !== inPlane * slices) {
    throw new Error(
      `the labelmap has ${labelmap.length} voxels, the series ${cols}x${rows}x${slices}`,
    );
  }
  checkSegments(segments);
  const d = geometry.direction;
  const position = (k: number) =>
    [0, 1, 2].map((r) => decimalString(geometry.origin[r] + k * geometry.spacing[2] * d[6 + r]));

  const frames = withEvenPackedLength(
    framesOf(labelmap, segments, inPlane, slices),
    segments.length,
    slices,
    inPlane,
  );
  const perFrame = frames.map(({ segment, slice: k }) => {
    const instance = source.instances[k];
    return {
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: instance.sopClassUid,
              ReferencedSOPInstanceUID: instance.sopInstanceUid,
              // a slice that is a frame of an enhanced multi-frame image is named by its number
              ...(instance.frameNumber ? { ReferencedFrameNumber: [instance.frameNumber] } : {}),
              PurposeOfReferenceCodeSequence: [
                code({
                  value: '121322',
                  scheme: 'DCM',
                  meaning: 'Source image for image processing operation',
                }),
              ],
            },
          ],
          DerivationCodeSequence: [
            code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' }),
          ],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: [segment + 1, k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: position(k) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment + 1 }],
    };
  });
  if (frames.length === 0) throw new Error('the labelmap has no voxel of any segment to export');

  const now = dicomDateTime(options.now ?? new Date());
  const sopInstanceUid = options.uids?.instance ?? newUid();
  const dimensionOrganizationUid = newUid();
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: sopInstanceUid,
    ...source.patientStudy,
    StudyInstanceUID: source.studyInstanceUid,
    Modality: 'SEG',
    SeriesInstanceUID: options.uids?.series ?? newUid(),
    SeriesNumber: String(options.seriesNumber ?? 300),
    SeriesDescription: options.seriesDescription,
    SeriesDate: now.date,
    SeriesTime: now.time,
    FrameOfReferenceUID: source.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    Manufacturer: 'ACS Workstation',
    ManufacturerModelName: 'ACS Workstation',
    DeviceSerialNumber: '1',
    SoftwareVersions: options.softwareVersion,
    InstanceNumber: '1',
    ContentDate: now.date,
    ContentTime: now.time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: (options.contentLabel ?? 'SEGMENTATION')
      .toUpperCase()
      .replace(/[^A-Z0-9_ ]/g, '_')
      .slice(0, 16),
    ContentDescription: options.seriesDescription.slice(0, 64),
    ContentCreatorName: options.creatorName ?? '',
    SegmentationType: 'BINARY',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: cols,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: String(frames.length),
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        // dcmjs writes an AT from a number: group in the high 16 bits
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SegmentSequence: segments.map((segment, s) => {
      const kind = SEGMENT_KINDS[segment.kind];
      return {
        SegmentNumber: s + 1,
        SegmentLabel: segment.label.slice(0, 64),
        SegmentAlgorithmType: segment.algorithmType,
        ...(segment.algorithmName ? { SegmentAlgorithmName: segment.algorithmName } : {}),
        SegmentedPropertyCategoryCodeSequence: [code(kind.category)],
        SegmentedPropertyTypeCodeSequence: [code(kind.type)],
        RecommendedDisplayCIELabValue: rgbToDicomLab(segment.color),
      };
    }),
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: [decimalString(geometry.spacing[1]), decimalString(geometry.spacing[0])],
            SliceThickness: decimalString(geometry.spacing[2]),
            SpacingBetweenSlices: decimalString(geometry.spacing[2]),
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: d.slice(0, 6).map(decimalString) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrame,
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: referencedInstances(source),
      },
    ],
    PixelData: packFrames(labelmap, frames, segments, inPlane).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return encodePart10(dataset);
}
