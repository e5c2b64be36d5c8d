import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brainVoxels, newUid, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import type { SeriesFixture } from '../helpers/dicomSeries';

/** The smallest model the fixtures hold: a 2D ResNet-18 at width 4, 32x32 patches at 5 mm. */
export const MODELS = 'test/fixtures/models';
export const MODEL = 'tiny-2d';

/**
 * `count` small brain MR series (Colin27 from mricron-data, 8 mm blocks: 23 x 28 x 23 voxels),
 * each in its own study, in `root/series-N`.
 */
export function brainSeries(root: string, count: number): SeriesFixture[] {
  const { dims, voxels } = brainVoxels(8);
  return Array.from({ length: count }, (_, n) =>
    writeSeries(
      join(root, `series-${n}`),
      dims,
      voxels,
      ORIENTATIONS.axial,
      [5, 5, 5],
      [-60 + n, -70, -50],
      { uid: newUid(), frameOfReference: newUid() },
    ),
  );
}

/** A series with one slice missing in the middle: reading it must fail, naming the gap. */
export function seriesWithGap(dir: string): SeriesFixture {
  const [series] = brainSeries(dir, 1);
  const middle = Math.floor(series.geometry.dimensions[2] / 2);
  const file = readdirSync(series.dir).find((f) => f.endsWith(`-${middle}.dcm`));
  if (!file) throw new Error(`no slice ${middle} in ${series.dir}`);
  rmSync(join(series.dir, file));
  return series;
}

/** A series that holds no image: an RT Plan from pydicom's test files. */
export function nonImageSeries(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(
    '/usr/lib/python3/dist-packages/pydicom/data/test_files/rtplan.dcm',
    join(dir, 'rtplan.dcm'),
  );
  return dir;
}
