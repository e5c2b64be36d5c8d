import type { CommandParams, CommandResult } from '../../api/commands';
import type { libraryCommandSchemas } from '../../api/libraryCommands';
import type { LibraryService } from './LibraryService';

type LibraryCommand = keyof typeof libraryCommandSchemas;
type LibraryHandlers = {
  [C in LibraryCommand]: (params: CommandParams<C>) => Promise<CommandResult<C>>;
};

/** The library's commands: import from paths or an upload, uploads, deletion. */
export function libraryHandlers(service: () => LibraryService): LibraryHandlers {
  return {
    importPaths: async ({ paths }) => ({ jobId: service().importPaths(paths) }),
    createUpload: async () => ({ uploadId: service().createUpload() }),
    importUpload: async ({ uploadId }) => ({ jobId: service().importUpload(uploadId) }),
    deleteSeries: async ({ seriesId }) => ({ deleted: service().delete(seriesId) }),
  };
}
