import type { StudyQuery } from '../../pacs/DicomWebClient';
import type { BackendChoice } from '../../engine/backends/tfBackends';
import type { BatchItem, BatchServer } from './BatchItem';
import { startBatchEngine } from './batchEngine';
import type { Engine } from './batchEngine';
import { modelFingerprint } from './modelFingerprint';
import { runBatch } from './runBatch';
import type { BatchRun, BatchSummary } from './runBatch';
import { folderTreeItems, manifestItems, queryItems, serverOf } from './sources';
import type { PacsAuth } from './sources';

/** Where a batch's series come from. */
export type BatchSource =
  | { kind: 'folder'; root: string }
  | { kind: 'manifest'; file: string }
  | { kind: 'query'; query: StudyQuery & { Modality?: string } };

export interface BatchRequest extends Omit<
  BatchRun,
  'items' | 'engine' | 'modelFingerprint' | 'storeServer'
> {
  source: BatchSource;
  /** the DICOMweb root: the query's server, the one a manifest's bare UIDs are on, where --store sends SEGs of folder series */
  url?: string;
  auth: PacsAuth;
  /** per DICOMweb request */
  timeoutMs: number;
  /** comma-separated engine backends to try (WORKSTATION_TF_BACKENDS), default all */
  backends?: string;
  /** told once the engine started, with the backends it chose */
  onEngine?(backend: BackendChoice): void;
}

/**
 * A batch from its description: lists the series, starts the engine on the first series that
 * needs it (a worker whose shard is all done never starts one), runs the ledgered batch and
 * closes the engine. One DICOMweb client a server, however many series name it.
 */
export async function segmentBatch(request: BatchRequest): Promise<BatchSummary> {
  const servers = new Map<string, BatchServer>();
  const serverFor = (url: string) => {
    const key = url.replace(/\/+$/, '');
    let server = servers.get(key);
    if (!server) servers.set(key, (server = serverOf(key, request.auth, request.timeoutMs)));
    return server;
  };
  const main = request.url ? serverFor(request.url) : undefined;
  const items = await itemsOf(request.source, main, serverFor);
  let engine: Promise<Engine> | undefined;
  const startEngine = () =>
    (engine ??= startBatchEngine(request.backends).then((started) => {
      request.onEngine?.(started.backend);
      return started;
    }));
  try {
    return await runBatch({
      ...request,
      items,
      engine: startEngine,
      modelFingerprint: await modelFingerprint(request.model),
      storeServer: main,
    });
  } finally {
    // an engine that failed to start has failed every series already, naming why
    if (engine)
      await engine.then(
        (e) => e.close(),
        () => undefined,
      );
  }
}

function itemsOf(
  source: BatchSource,
  main: BatchServer | undefined,
  serverFor: (url: string) => BatchServer,
): Promise<BatchItem[]> {
  switch (source.kind) {
    case 'folder':
      return folderTreeItems(source.root);
    case 'manifest':
      return manifestItems(source.file, main, serverFor);
    case 'query':
      if (!main) throw new Error('a query needs the DICOMweb server to ask (--url)');
      return queryItems(main, source.query);
  }
}
