import type { VolumeGeometry } from '../../volume/geometry';
import type { DicomSlice } from '../DicomSlice';
import type { SourceInstance, SourceSeries } from './SourceSeries';

/**
 * The image a slice is: a frame of an enhanced multi-frame object is named by the object's UID
 * (parseHeader adds `#<frame>` to keep frames apart) and its frame number, from 1.
 */
function instanceOf(slice: DicomSlice): SourceInstance {
  const hash = slice.sopInstanceUid.indexOf('#');
  if (hash < 0) return { sopClassUid: slice.sopClassUid, sopInstanceUid: slice.sopInstanceUid };
  return {
    sopClassUid: slice.sopClassUid,
    sopInstanceUid: slice.sopInstanceUid.slice(0, hash),
    frameNumber: slice.location.frame + 1,
  };
}

/**
 * What a SEG needs to reference a series, from the headers its volume was built from: `slices`
 * in the volume's slice order (as buildVolume returns them), so no file is read again. Throws,
 * saying why, for a series a SEG cannot reference (no frame of reference).
 */
export function sourceOfSlices(slices: DicomSlice[], geometry: VolumeGeometry): SourceSeries {
  const first = slices[0];
  if (!first) throw new Error('a series without images has nothing to reference');
  if (slices.length !== geometry.dimensions[2]) {
    throw new Error(`${slices.length} images for ${geometry.dimensions[2]} slices`);
  }
  if (!first.frameOfReferenceUid) {
    throw new Error(`${first.path} has no Frame of Reference UID, which a SEG must share`);
  }
  return {
    geometry,
    studyInstanceUid: first.studyInstanceUid,
    seriesInstanceUid: first.seriesInstanceUid,
    frameOfReferenceUid: first.frameOfReferenceUid,
    patientStudy: { ...first.patientStudy },
    instances: slices.map((s) => instanceOf(s)),
  };
}
