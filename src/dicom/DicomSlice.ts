import type { Vec3 } from '../volume/vec3';

/** One image of a series, with what the volume builder needs from its header. */
export interface DicomSlice {
  path: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  patientName: string;
  studyDescription: string;
  seriesDescription: string;
  modality: string;
  rows: number;
  columns: number;
  /** mm between row centres (along a column), then between column centres (DICOM order) */
  pixelSpacing: [number, number];
  imagePosition: Vec3;
  /** row direction cosines, then column direction cosines */
  imageOrientation: [number, number, number, number, number, number];
  rescaleSlope: number;
  rescaleIntercept: number;
  /** stored pixel values, already typed by BitsAllocated and PixelRepresentation */
  pixels: Int16Array | Uint16Array | Uint8Array | Int8Array;
}
