import type { DisplayWindow } from '../volume/displayWindow';
import type { Vec3 } from '../volume/vec3';
import type { FileSource } from './FileSource';

/** How stored pixel values are laid out (Image Pixel module). */
export interface PixelFormat {
  bitsAllocated: 8 | 16 | 32;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement */
  pixelRepresentation: 0 | 1;
  /** MONOCHROME1 images are shown inverted: the volume keeps the values and says so */
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  /** IEEE float pixels (Float Pixel Data, 7FE0,0008) */
  float: boolean;
}

/** Where a slice's pixels are in its file, so they can be read without parsing it again. */
export interface PixelLocation {
  transferSyntax: string;
  /** byte offset and length of native pixel data of this frame in the file; -1 when encapsulated */
  offset: number;
  length: number;
  /** frame number inside a multi-frame object, from 0 */
  frame: number;
}

/**
 * One image of a series: what grouping and the volume builder need from its header. Pixels are
 * not held here: the builder reads them straight into the volume, so memory stays at one volume.
 */
export interface DicomSlice {
  /** the file as shown to the user */
  path: string;
  source: FileSource;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  /** Frame of Reference UID (0020,0052), '' when absent: a SEG of the series must share it */
  frameOfReferenceUid: string;
  /** patient and study attributes as a derived object (SEG) copies them, decoded to text */
  patientStudy: Record<string, string>;
  patientName: string;
  patientId: string;
  studyDate: string;
  studyDescription: string;
  seriesDescription: string;
  seriesNumber: number;
  modality: string;
  instanceNumber: number;
  acquisitionNumber: number;
  echoNumber: number;
  /** Echo Time (0018,0081), or an enhanced frame's Effective Echo Time, in ms; 0 when absent */
  echoTime: number;
  /** Temporal Position Identifier (0020,0100), or an enhanced frame's Temporal Position Index */
  temporalPosition: number;
  /** Trigger Time (0018,1060) in ms, 0 when absent */
  triggerTime: number;
  rows: number;
  columns: number;
  /** mm between row centres (along a column), then between column centres (DICOM order) */
  pixelSpacing: [number, number];
  imagePosition: Vec3;
  /** row direction cosines, then column direction cosines */
  imageOrientation: [number, number, number, number, number, number];
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Window Center/Width pairs (the first is the one to open with), in modality units */
  windows: DisplayWindow[];
  /** Gantry/Detector Tilt (0018,1120) in degrees, 0 when absent */
  gantryTilt: number;
  /** Slice Thickness (0018,0050) in mm, 0 when absent: used only for a single-slice series */
  sliceThickness: number;
  format: PixelFormat;
  location: PixelLocation;
}
