import { join } from 'node:path';
import {
  brainVoxels,
  newUid,
  ORIENTATIONS,
  writeSeries,
  type SeriesFixture,
} from '../../test/helpers/dicomSeries';

/**
 * Series made from Debian's mricron-data (Colin27, ch2bet) for the specs: an MR in any of the
 * fixture orientations (oblique: rotated about two axes), and a CT whose values run -1024..-769
 * HU and which carries its own windows (NARROW -933.5/57, SOFT TISSUE 40/400), as a scanner
 * writes them. `factor` block-averages the template (2: 90x108x90 voxels).
 */
export function mrSeries(
  dir: string,
  orientation: keyof typeof ORIENTATIONS,
  description: string,
  factor = 4,
): SeriesFixture {
  const brain = brainVoxels(factor);
  return writeSeries(
    join(dir),
    brain.dims,
    brain.voxels,
    ORIENTATIONS[orientation],
    [factor, factor, factor],
    [-90, 110, 80],
    { uid: newUid(), frameOfReference: newUid() },
    { SeriesDescription: description },
  );
}

export function ctSeries(
  dir: string,
  orientation: keyof typeof ORIENTATIONS,
  description: string,
  factor = 4,
): SeriesFixture {
  const brain = brainVoxels(factor);
  return writeSeries(
    dir,
    brain.dims,
    brain.voxels,
    ORIENTATIONS[orientation],
    [factor, factor, factor],
    [-90, 110, 80],
    { uid: newUid(), frameOfReference: newUid() },
    {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      Modality: 'CT',
      SeriesDescription: description,
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      RescaleType: 'HU',
      WindowCenter: ['-933.5', '40'],
      WindowWidth: ['57', '400'],
      WindowCenterWidthExplanation: ['NARROW', 'SOFT TISSUE'],
    },
  );
}
