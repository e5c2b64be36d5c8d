import { join } from 'node:path';
import type { CommandParams, CommandResult } from '../../api/commands';
import type { ApiEvent } from '../../api/events';
import { exportCommandSchemas } from '../../api/exportCommands';
import type { VolumeGeometry } from '../../volume/geometry';
import { readSourceSeries } from '../../dicom/seg/readSourceSeries';
import type { CaseLibrary } from '../../library/CaseLibrary';
import { pacsCommandSchemas } from '../../api/pacsCommands';
import type { EngineJob } from '../../engine/Engine';
import type { ExportHost } from '../export/exportHandlers';
import { exportHandlers } from '../export/exportHandlers';
import { sourceInFolders } from '../export/folderSources';
import { sourceInLibrary } from '../export/librarySource';
import type { Uploads } from '../export/uploads';
import { pacsHandlers } from './pacsHandlers';
import { RetrievedSeries } from './RetrievedSeries';
import type { SecretCipher } from './pacsSecretStore';

export interface ExchangeOptions {
  dataDir: string;
  /** the case library: the SEG references it kept at import come first */
  library: CaseLibrary;
  /** the DICOM folders the workstation was started on: SEG sources of their series */
  seriesFolders: string[];
  softwareVersion: string;
  secretCipher?: SecretCipher;
  uploads: Uploads;
  emit(event: ApiEvent): void;
  track(jobId: string, job: EngineJob<unknown>): void;
}

type Name = keyof typeof exportCommandSchemas | keyof typeof pacsCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

function build(host: ExportHost, options: ExchangeOptions): Handlers {
  const retrieved = new RetrievedSeries(join(options.dataDir, 'pacs', 'series'));
  // What the library kept at import first: it needs no file. Then the files a PACS retrieve
  // kept and the start folders, for series stored before the library kept references.
  const dicomSource = async (seriesId: string, geometry: VolumeGeometry) => {
    const kept = sourceInLibrary(options.library, seriesId, geometry);
    if (kept) return kept;
    const files =
      (await retrieved.sourceOf(seriesId)) ??
      (await sourceInFolders(options.seriesFolders, seriesId));
    return files && readSourceSeries(files.dir, files.seriesInstanceUid, geometry);
  };
  return {
    ...exportHandlers(host, {
      dicomSource,
      uploads: options.uploads,
      softwareVersion: options.softwareVersion,
    }),
    ...pacsHandlers(host, { ...options, dicomSource, retrieved }),
  };
}

/**
 * The export/import and PACS commands, sharing one lookup of series' DICOM files. Built on the
 * first call: the workstation's options are not set yet where its handler table is made.
 */
export function exchangeHandlers(host: ExportHost, optionsOf: () => ExchangeOptions): Handlers {
  let built: Handlers | null = null;
  const names = [
    ...Object.keys(exportCommandSchemas),
    ...Object.keys(pacsCommandSchemas),
  ] as Name[];
  return Object.fromEntries(
    names.map((name) => [
      name,
      (params: unknown) => {
        built ??= build(host, optionsOf());
        return (built[name] as (p: unknown) => Promise<unknown>)(params);
      },
    ]),
  ) as Handlers;
}
