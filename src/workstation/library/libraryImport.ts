import { CaseLibrary } from '../../library/CaseLibrary';
import { ImportCancelled, importPaths } from '../../library/importPaths';
import type { ImportOptions, ImportReport } from '../../library/importPaths';

export { defaultLibraryFolder } from '../../library/dataFolder';
export type { SeriesRecord } from '../../library/seriesRecord';
export { ImportCancelled };
export type { ImportReport };

/**
 * Imports files, folders, zips and NIfTI into a case library folder without starting the engine
 * (`cli import`): the library is opened as the workstation opens it (a save or removal a crash
 * cut short swept first), then the same importPaths as the app's import job, with the whole
 * report (what was stored, what was there, what was skipped and why).
 */
export function importIntoLibrary(
  folder: string,
  paths: string[],
  options: ImportOptions,
): Promise<ImportReport> {
  const library = new CaseLibrary(folder);
  library.sweep();
  return importPaths(paths, library, options);
}
