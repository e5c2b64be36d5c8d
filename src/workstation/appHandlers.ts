import { homedir } from 'node:os';
import type { CommandParams, CommandResult } from '../api/commands';
import type { Engine } from '../engine/Engine';
import type { Jobs } from './jobs/Jobs';
import type { LibraryService } from './library/LibraryService';

type Name = 'listSeries' | 'cancelJob' | 'getBackendStatus' | 'getAppInfo';
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/** What the page asks of the workstation as a whole: its series, its jobs, its engine, itself. */
export function appHandlers(app: {
  library: LibraryService;
  jobs: Jobs;
  engine: Engine;
  version: string;
  exportDirectory?: string;
}): Handlers {
  const { library, jobs, engine } = app;
  return {
    listSeries: async () => library.list(),
    // a job is the engine's (inference, training, compare) or the library's (an import)
    cancelJob: async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) || library.cancel(jobId) }),
    getBackendStatus: async () => engine.backend,
    getAppInfo: async () => ({
      version: app.version,
      exportDirectory: app.exportDirectory ?? homedir(),
    }),
  };
}
