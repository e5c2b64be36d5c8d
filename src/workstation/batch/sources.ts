import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DicomWebClient } from '../../pacs/DicomWebClient';
import type { PacsAuth, StudyQuery } from '../../pacs/DicomWebClient';
import type { BatchItem, BatchServer } from './BatchItem';

export type { PacsAuth };

/** A batch's list that cannot be made (an unreadable manifest, a query the server refuses). */
export class SourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceError';
  }
}

/**
 * Series that a segmentation batch never takes as input: derived objects, not images. Without
 * this a rerun over a study would find the SEGs the last run stored and try to segment them.
 */
const NOT_IMAGES = new Set(['SEG', 'SR', 'PR', 'KO', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'REG', 'DOC']);

const UID = /^[0-9]+(\.[0-9]+)*$/;

export function serverOf(url: string, auth: PacsAuth, timeoutMs?: number): BatchServer {
  const client = new DicomWebClient({ url, auth, timeoutMs });
  return { client, url: url.replace(/\/+$/, '') };
}

function dicomwebItem(
  server: BatchServer,
  studyInstanceUid: string,
  seriesInstanceUid: string,
): BatchItem {
  return {
    kind: 'dicomweb',
    key: seriesInstanceUid,
    source: `${server.url}/studies/${studyInstanceUid}/series/${seriesInstanceUid}`,
    server,
    studyInstanceUid,
    seriesInstanceUid,
  };
}

function folderItem(dir: string): BatchItem {
  const path = resolve(dir);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 20);
  return { kind: 'folder', key: `dir-${hash}`, source: path, dir: path };
}

/** QIDO-RS: the studies a query finds, then their image series (of `modality` when given). */
export async function queryItems(
  server: BatchServer,
  query: StudyQuery & { Modality?: string },
): Promise<BatchItem[]> {
  const { Modality, ...studyQuery } = query;
  if (Modality) studyQuery.ModalitiesInStudy = Modality;
  const studies = await server.client.searchStudies(studyQuery);
  const items: BatchItem[] = [];
  for (const study of studies) {
    const series = await server.client.searchSeries(study.studyInstanceUid, { Modality });
    for (const s of series) {
      if (NOT_IMAGES.has(s.modality.toUpperCase())) continue;
      items.push(dicomwebItem(server, study.studyInstanceUid, s.seriesInstanceUid));
    }
  }
  return items;
}

/** Every folder under `root` (itself included) that directly holds files: one series each. */
export async function folderTreeItems(root: string): Promise<BatchItem[]> {
  const top = resolve(root);
  const info = await stat(top).catch(() => undefined);
  if (!info?.isDirectory()) throw new SourceError(`--folder ${root} is not a folder`);
  const items: BatchItem[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && !e.name.startsWith('.'))) items.push(folderItem(dir));
    for (const e of entries)
      if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(dir, e.name));
  };
  await walk(top);
  if (items.length === 0) throw new SourceError(`--folder ${root} holds no file`);
  return items;
}

/**
 * A manifest: one series a line, '#' starts a comment. A line is a series folder (a path), a
 * DICOMweb series URL (`<root>/studies/<uid>/series/<uid>`, on that server with the batch's
 * credentials), or a bare Series Instance UID, found on `server` by QIDO-RS when the batch runs
 * it. A line that is none of these is an error naming its number.
 */
export async function manifestItems(
  file: string,
  server: BatchServer | undefined,
  serverFor: (url: string) => BatchServer,
): Promise<BatchItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SourceError(`--manifest ${file} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const items: BatchItem[] = [];
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    // a relative path is relative to the manifest, wherever the batch runs from
    const path = resolve(dirname(file), line);
    const url = /^(https?:\/\/.+)\/studies\/([0-9.]+)\/series\/([0-9.]+)\/?$/.exec(line);
    if (url) {
      items.push(dicomwebItem(serverFor(url[1]), url[2], url[3]));
    } else if (UID.test(line) && !existsSync(path)) {
      if (!server) {
        throw new SourceError(
          `${file} line ${n + 1}: series ${line} is a UID; give --url, the server to find it on`,
        );
      }
      // The study is looked up when the series is processed: an error then is that series'.
      items.push({ ...dicomwebItem(server, '', line), source: `${server.url} series ${line}` });
    } else if (existsSync(path) || line.includes('/')) {
      items.push(folderItem(path));
    } else {
      throw new SourceError(
        `${file} line ${n + 1}: "${line}" is neither a folder, a DICOMweb series URL nor a series UID`,
      );
    }
  }
  if (items.length === 0) throw new SourceError(`--manifest ${file} names no series`);
  return items;
}
