/** The DICOM files a series was read from: a SEG names their instances, frame by frame. */
export interface DicomSource {
  dir: string;
  seriesInstanceUid: string;
}

/** Finds a series' DICOM files; undefined where only the volume was kept. */
export type DicomSourceLookup = (seriesId: string) => Promise<DicomSource | undefined>;
