import { randomUUID } from 'node:crypto';
import { access, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import type { CommandParams, CommandResult } from '../../api/commands';
import { ApiError } from '../../api/errors';
import type { ApiEvent } from '../../api/events';
import type { PacsServerInfo, pacsCommandSchemas } from '../../api/pacsCommands';
import { CancelledError } from '../../engine/inference/CancelledError';
import type { EngineJob } from '../../engine/Engine';
import { encodeSeg } from '../../dicom/seg/encodeSeg';
import type { CaseLibrary } from '../../library/CaseLibrary';
import { importPaths } from '../../library/importPaths';
import type { DicomWebClient, StudyQuery } from '../../pacs/DicomWebClient';
import { PacsError } from '../../pacs/PacsError';
import { PacsServers } from '../../pacs/PacsServers';
import type { PacsServerView } from '../../pacs/PacsServers';
import { retrieveSeries } from '../../pacs/retrieveSeries';
import type { DicomSourceLookup } from '../export/dicomSource';
import type { ExportHost } from '../export/exportHandlers';
import { sourceOfVolume } from '../export/exportHandlers';
import { segmentDefinitions, segmentsWithVoxels } from '../export/segmentDefinitions';
import { pacsApiError } from './pacsApiError';
import { pacsSecretStore } from './pacsSecretStore';
import type { SecretCipher } from './pacsSecretStore';
import type { RetrievedSeries } from './RetrievedSeries';

type Name = keyof typeof pacsCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

export interface PacsContext {
  /** the app's data folder: pacs/ (settings, retrieved files) and library/ live in it */
  dataDir: string;
  /** the workstation's case library, where a retrieved series is imported */
  library: CaseLibrary;
  /** seals passwords and tokens (Electron: the OS keychain); default none, a 0600 file */
  secretCipher?: SecretCipher;
  softwareVersion: string;
  dicomSource: DicomSourceLookup;
  /** the DICOM files of retrieved series, kept for SEG references */
  retrieved: RetrievedSeries;
  emit(event: ApiEvent): void;
  /** makes a job cancellable by cancelJob and reports its failure or cancellation */
  track(jobId: string, job: EngineJob<unknown>): void;
}

/** The UI's view of a server: whether credentials are stored, never the credentials. */
function info(view: PacsServerView): PacsServerInfo {
  return {
    id: view.id,
    name: view.name,
    url: view.url,
    auth: view.auth,
    ...(view.username !== undefined ? { username: view.username } : {}),
    ...(view.timeoutMs !== undefined ? { timeoutMs: view.timeoutMs } : {}),
    hasCredentials: view.hasSecret,
    credentialsInClear: view.secretInClear,
  };
}

/** A name search as a person means it: "smith" finds "Smith^John" (Orthanc and most PACS are case-insensitive). */
function nameQuery(name: string): string {
  return /[*?]/.test(name) ? name : `${name}*`;
}

/** The PACS commands: servers, search, retrieve into the library, send a SEG. */
export function pacsHandlers(host: ExportHost, context: PacsContext): Handlers {
  const pacsDir = join(context.dataDir, 'pacs');
  const servers = new PacsServers(
    join(pacsDir, 'servers.json'),
    pacsSecretStore(pacsDir, context.secretCipher),
  );
  const { retrieved } = context;
  const inFlight = new Set<string>();

  const client = async (serverId: string): Promise<DicomWebClient> => {
    try {
      return await servers.client(serverId);
    } catch (error) {
      if (error instanceof Error && /no PACS server/.test(error.message)) {
        throw new ApiError('not_found', error.message);
      }
      throw pacsApiError(error);
    }
  };
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw pacsApiError(error);
    }
  };

  /** Retrieve, then import: the series is in the library whole, or the job fails and leaves none. */
  const retrieveJob = async (
    jobId: string,
    dicomWeb: DicomWebClient,
    serverId: string,
    series: { studyInstanceUid: string; seriesInstanceUid: string },
    signal: AbortSignal,
  ): Promise<void> => {
    await retrieved.ensureRoot();
    const dir = retrieved.dirOf(series.seriesInstanceUid);
    const started = Date.now();
    const already = await access(dir).then(
      () => true,
      () => false,
    );
    // a series retrieved before (its import since lost) is imported again from its files
    let instances = already ? (await readdir(dir)).length : 0;
    let resumed = instances;
    if (!already) {
      const result = await retrieveSeries(dicomWeb, series, dir, {
        signal,
        serverName: serverId,
        onProgress: ({ done, total }) => {
          const elapsed = (Date.now() - started) / 1000;
          const etaSeconds = done > 0 ? (elapsed / done) * (total - done) : null;
          context.emit({ type: 'job.progress', jobId, phase: 'retrieve', done, total, etaSeconds });
        },
      }).catch((error: unknown) => {
        if (signal.aborted) throw new CancelledError();
        throw error;
      });
      instances = result.instances;
      resumed = result.resumed;
    }
    if (signal.aborted) throw new CancelledError();
    const { library } = context;
    const report = await importPaths([dir], library);
    const records = [...report.imported, ...report.existing];
    if (report.failed.length > 0 || records.length === 0) {
      for (const record of report.imported) library.remove(record.seriesId);
      await retrieved.discard(series.seriesInstanceUid);
      const why = report.failed.map((f) => f.message).join('; ') || 'it holds no image volume';
      throw new Error(`the retrieved series could not be imported: ${why}`);
    }
    const seriesIds = records.map((r) => r.seriesId);
    await retrieved.save({
      serverId,
      ...series,
      seriesIds,
      retrievedAt: new Date().toISOString(),
    });
    context.emit({
      type: 'pacs.retrieved',
      jobId,
      seriesIds,
      seriesInstanceUid: series.seriesInstanceUid,
      instances,
      resumed,
    });
  };

  return {
    listPacsServers: async () => call(async () => (await servers.list()).map(info)),

    savePacsServer: async ({ secret, ...server }) => {
      await mkdir(pacsDir, { recursive: true });
      return call(async () => info(await servers.save(server, secret)));
    },

    removePacsServer: async ({ id }) => {
      const known = (await servers.list()).some((s) => s.id === id);
      await servers.remove(id);
      return { removed: known };
    },

    testPacsServer: async ({ id }) => {
      const dicomWeb = await client(id);
      const started = performance.now();
      await call(() => dicomWeb.searchStudies({ limit: 1 }));
      return { ok: true as const, milliseconds: Math.round(performance.now() - started) };
    },

    searchPacsStudies: async ({
      serverId,
      patientName,
      patientId,
      studyDate,
      modality,
      accessionNumber,
      limit,
    }) => {
      const dicomWeb = await client(serverId);
      const query: StudyQuery = { limit };
      if (patientName) query.PatientName = nameQuery(patientName);
      if (patientId) query.PatientID = patientId;
      if (studyDate) query.StudyDate = studyDate;
      if (modality) query.ModalitiesInStudy = modality.toUpperCase();
      if (accessionNumber) query.AccessionNumber = accessionNumber;
      return call(() => dicomWeb.searchStudies(query));
    },

    searchPacsSeries: async ({ serverId, studyInstanceUid }) => {
      const dicomWeb = await client(serverId);
      return call(() => dicomWeb.searchSeries(studyInstanceUid));
    },

    retrievePacsSeries: async ({ serverId, studyInstanceUid, seriesInstanceUid }) => {
      const dicomWeb = await client(serverId);
      if (inFlight.has(seriesInstanceUid)) {
        throw new ApiError('bad_request', `series ${seriesInstanceUid} is being retrieved already`);
      }
      const jobId = `retrieve-${randomUUID()}`;
      const controller = new AbortController();
      inFlight.add(seriesInstanceUid);
      const result = retrieveJob(
        jobId,
        dicomWeb,
        serverId,
        { studyInstanceUid, seriesInstanceUid },
        controller.signal,
      ).finally(() => inFlight.delete(seriesInstanceUid));
      context.track(jobId, { result, cancel: () => controller.abort() });
      return { jobId };
    },

    discardPacsRetrieve: async ({ seriesInstanceUid }) => {
      if (inFlight.has(seriesInstanceUid)) {
        throw new ApiError(
          'bad_request',
          `series ${seriesInstanceUid} is being retrieved: cancel it first`,
        );
      }
      return { discarded: await retrieved.discardPartial(seriesInstanceUid) };
    },

    sendSegmentationToPacs: async ({ serverId, labelmapId, name, segments }) => {
      const dicomWeb = await client(serverId);
      const entry = host.labelmapEntry(labelmapId);
      const definitions = segmentsWithVoxels(
        segmentDefinitions(segments, entry.labels),
        entry.labels,
      );
      const source = await sourceOfVolume(host, context.dicomSource, entry.info.volumeId);
      const bytes = encodeSeg(source, entry.labels, definitions, {
        seriesDescription: name,
        contentLabel: 'SEGMENTATION',
        softwareVersion: context.softwareVersion,
      });
      const header = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
      const sopInstanceUid = header.string('x00080018') ?? '';
      const stored = await call(() => dicomWeb.store([bytes]));
      if (!stored.stored.includes(sopInstanceUid)) {
        throw pacsApiError(
          new PacsError(
            'bad-response',
            `${serverId} did not confirm it stored the SEG ${sopInstanceUid}`,
          ),
        );
      }
      return {
        studyInstanceUid: header.string('x0020000d') ?? '',
        seriesInstanceUid: header.string('x0020000e') ?? '',
        sopInstanceUid,
      };
    },
  };
}
