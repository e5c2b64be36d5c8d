import type { VolumeGeometry } from '../../api/geometry';
import type { DicomSlice } from '../DicomSlice';
import type { SourceSeries } from './SourceSeries';

/**
 * What a SEG needs to reference a series, from the headers its volume was built from: `slices`
 * in the volume's slice order (as buildVolume returns them), so no file is read again. Throws,
 * saying why, for a series a SEG cannot reference frame by frame.
 */
export function sourceOfSlices(slices: DicomSlice[], geometry: VolumeGeometry): SourceSeries {
  const first = slices[0];
  if (!first) throw new Error('a series without images has nothing to reference');
  if (slices.length !== geometry.dimensions[2]) {
    throw new Error(`${slices.length} images for ${geometry.dimensions[2]} slices`);
  }
  const multiframe = slices.find((s) => s.location.frame > 0 || s.sopInstanceUid.includes('#'));
  if (multiframe) {
    // A SEG would have to name frames of one instance (Referenced Frame Number): not written yet.
    throw new Error(
      `its slices are frames of an enhanced multi-frame image (${multiframe.path}): a SEG referencing frames of one instance is not supported`,
    );
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
    instances: slices.map((s) => ({
      sopClassUid: s.sopClassUid,
      sopInstanceUid: s.sopInstanceUid,
    })),
  };
}
