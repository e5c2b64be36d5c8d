import type { WorkstationApi } from '../src/api';
import { createApi } from './api/createApi';
import { JobEvents } from './api/JobEvents';
import { ErrorBanner } from './ui/ErrorBanner';
import { loadSeries } from './ui/loadSeries';
import { lastOpened } from './ui/SeriesBrowser';
import { SeriesProgress } from './ui/SeriesProgress';
import { seriesLabel } from './ui/seriesLabel';
import type { startWorkstation } from './workstation';

/**
 * The page's start, small on purpose: it lists the library and opens the series to show (the last
 * opened, else the first) in the core, and fetches its voxels, while the browser loads and
 * compiles the workstation's code (Cornerstone3D and the panels: megabytes, a second or more).
 * Done in turn, the host's work and the transfer came after that compile; now they overlap it.
 */
export async function start(
  workstation: Promise<{ startWorkstation: typeof startWorkstation }>,
): Promise<void> {
  const banner = new ErrorBanner();
  let api: WorkstationApi;
  try {
    api = createApi();
  } catch (error) {
    banner.show('Starting the viewer', error);
    return;
  }
  // before any command: a job's events can arrive before the answer that names the job
  const jobs = new JobEvents(api);
  const progress = new SeriesProgress();
  const listed = api.call('listSeries', {});
  const first = listed.then((all) => {
    const series = all.find((s) => s.seriesId === lastOpened()) ?? all[0];
    if (!series) throw new Error('the library has no series: import one');
    progress.show(`Opening ${seriesLabel(series)}…`);
    const loaded = loadSeries(api, series, progress);
    // handled where the workstation opens it; this keeps an early failure from counting as unhandled
    loaded.catch(() => undefined);
    return { series, loaded };
  });
  first.catch(() => undefined);

  await workstation.then(
    (module) => module.startWorkstation({ api, jobs, banner, progress, listed, first }),
    (error: unknown) => banner.show('Starting the viewer', error),
  );
}
