import { access, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { FileExistsError, writeFileAtomic } from '../files/atomicWrite';
import type { DicomWebClient } from './DicomWebClient';
import { PacsError } from './PacsError';

export interface RetrieveProgress {
  /** instances in the folder so far, counting those a resumed retrieve found there */
  done: number;
  total: number;
  /** bytes received by this call */
  bytes: number;
}

export interface RetrieveResult {
  dir: string;
  instances: number;
  bytes: number;
  /** instances a previous, interrupted retrieve had already brought in */
  resumed: number;
}

/** Where a retrieve into `targetDir` keeps what it has until the series is complete. */
export function partialDirOf(targetDir: string): string {
  return `${targetDir}.partial`;
}

/** Drops what an interrupted retrieve left, when the user does not want to resume it. */
export async function discardPartialRetrieve(targetDir: string): Promise<void> {
  await rm(partialDirOf(targetDir), { recursive: true, force: true });
}

function checkInstance(bytes: Uint8Array, sopInstanceUid: string, server: string): void {
  let found: string | undefined;
  try {
    found = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' }).string('x00080018');
  } catch (error) {
    throw new PacsError(
      'bad-response',
      `${server} sent something that is not a DICOM file for instance ${sopInstanceUid}`,
      { cause: error },
    );
  }
  if (found !== sopInstanceUid) {
    throw new PacsError(
      'bad-response',
      `${server} sent instance ${found ?? '(none)'} when asked for ${sopInstanceUid}`,
    );
  }
}

/**
 * Retrieves every instance of a series (QIDO-RS lists them, WADO-RS fetches each) into
 * `targetDir`, all or nothing: files go into `<targetDir>.partial` one by one (each written
 * atomically and checked to be the instance asked for), and the folder is renamed to `targetDir`
 * only when the series is complete. A cut, failed or cancelled retrieve leaves `targetDir`
 * absent; calling again resumes, fetching only the instances not yet in the partial folder.
 */
export async function retrieveSeries(
  client: DicomWebClient,
  series: { studyInstanceUid: string; seriesInstanceUid: string },
  targetDir: string,
  options: {
    signal?: AbortSignal;
    onProgress?: (progress: RetrieveProgress) => void;
    concurrency?: number;
    /** names the server in messages */
    serverName?: string;
  } = {},
): Promise<RetrieveResult> {
  const exists = await access(targetDir).then(
    () => true,
    () => false,
  );
  if (exists) throw new FileExistsError(targetDir);
  const server = options.serverName ?? 'the server';
  const { studyInstanceUid, seriesInstanceUid } = series;
  const instances = await client.searchInstances(
    studyInstanceUid,
    seriesInstanceUid,
    options.signal,
  );
  if (instances.length === 0) {
    throw new PacsError('not-found', `${server} has no instance of series ${seriesInstanceUid}`);
  }
  const partial = partialDirOf(targetDir);
  await mkdir(partial, { recursive: true });
  const wanted = new Set(instances.map((i) => `${i.sopInstanceUid}.dcm`));
  const present = new Set((await readdir(partial)).filter((name) => wanted.has(name)));
  const missing = instances.filter((i) => !present.has(`${i.sopInstanceUid}.dcm`));
  const progress: RetrieveProgress = { done: present.size, total: instances.length, bytes: 0 };
  options.onProgress?.({ ...progress });

  // The first failure stops the other workers; the user's cancel stops them all.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const { sopInstanceUid } = missing[next++];
      const bytes = await client.retrieveInstance(
        studyInstanceUid,
        seriesInstanceUid,
        sopInstanceUid,
        signal,
      );
      checkInstance(bytes, sopInstanceUid, server);
      await writeFileAtomic(join(partial, `${sopInstanceUid}.dcm`), bytes, true);
      progress.done++;
      progress.bytes += bytes.byteLength;
      options.onProgress?.({ ...progress });
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, missing.length) }, () =>
    worker().catch((error: unknown) => {
      stop.abort();
      throw error;
    }),
  );
  const outcomes = await Promise.allSettled(workers);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) {
    // A worker stopped by another's failure reports "cancelled": report the failure itself,
    // unless the user did cancel.
    const own = outcomes.find(
      (o): o is PromiseRejectedResult =>
        o.status === 'rejected' &&
        !(o.reason instanceof PacsError && o.reason.kind === 'cancelled'),
    );
    throw (options.signal?.aborted ? failure : (own ?? failure)).reason;
  }
  // Leftovers of a crash (temporary files, instances the server no longer lists) stay out.
  for (const name of await readdir(partial)) {
    if (!wanted.has(name)) await rm(join(partial, name), { recursive: true, force: true });
  }
  await rename(partial, targetDir);
  return {
    dir: targetDir,
    instances: instances.length,
    bytes: progress.bytes,
    resumed: present.size,
  };
}
