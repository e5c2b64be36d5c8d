import type { SeriesSummary, VolumeInfo, WorkstationApi } from '../../src/api';
import { seriesLabel } from './seriesLabel';
import type { SeriesProgress } from './SeriesProgress';

/** A series opened in the core, and its voxels: what the views need to draw it. */
export interface LoadedSeries {
  info: VolumeInfo;
  voxels: ArrayBuffer;
}

/** Opens a series in the core and fetches its voxels, showing the bytes received over the views. */
export async function loadSeries(
  api: WorkstationApi,
  series: SeriesSummary,
  progress: SeriesProgress,
): Promise<LoadedSeries> {
  const label = seriesLabel(series);
  const info = await api.call('openSeries', { seriesId: series.seriesId });
  const voxels = await api.fetchVoxels({ kind: 'volume', volumeId: info.volumeId }, (got, all) =>
    progress.show(`Loading ${label}: ${mb(got)} of ${mb(all)} MB`, got / all),
  );
  return { info, voxels };
}

/** Bytes as megabytes with one decimal. */
function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
