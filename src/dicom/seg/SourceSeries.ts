import type { VolumeGeometry } from '../../volume/geometry';

export interface SourceInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  /** the frame (from 1) of a multi-frame instance that is this slice; absent for single-frame */
  frameNumber?: number;
}

/** What a SEG needs from the series it segments: the grid, the references and who it belongs to. */
export interface SourceSeries {
  geometry: VolumeGeometry;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** patient and study attributes copied as they are (dcmjs keywords), so the SEG joins the study */
  patientStudy: Record<string, string>;
  /** the instance of each slice of the volume, in the volume's slice order */
  instances: SourceInstance[];
}
