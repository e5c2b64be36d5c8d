import type { CodedConcept, SegmentKind } from './segmentKinds';

export type SegmentAlgorithmType = 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';

/** One label of a labelmap as it leaves the workstation: what the voxels of `labelValue` are. */
export interface SegmentDefinition {
  /** the value its voxels have in the labelmap (1..65535) */
  labelValue: number;
  label: string;
  /** sRGB, 0..255 each */
  color: [number, number, number];
  kind: SegmentKind;
  algorithmType: SegmentAlgorithmType;
  /** required by DICOM for AUTOMATIC and SEMIAUTOMATIC segments, e.g. the model's name */
  algorithmName?: string;
}

/** A segment read back from a SEG: its codes as written, whichever list they came from. */
export interface ReadSegment {
  /** its Segment Number, which is also its value in the labelmap read back */
  labelValue: number;
  label: string;
  color: [number, number, number];
  category: CodedConcept;
  type: CodedConcept;
  algorithmType: SegmentAlgorithmType;
  algorithmName?: string;
}
