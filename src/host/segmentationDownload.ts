import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../api/errors';
import { exportCommandSchemas } from '../api/exportCommands';
import type { Workstation } from '../workstation/Workstation';

/** How long a prepared download (a file and its label tables) stays to be fetched. */
export const DOWNLOAD_LIFETIME_MS = 15 * 60 * 1000;
const MAX_REQUEST_BYTES = 1024 * 1024;

/** A file name the browser saves under: no folder, and the extension of its format. */
const fileName = z
  .string()
  .max(200)
  .regex(/^[\w][\w .-]*$/, 'a file name of letters, digits, spaces, ".", "-" and "_"');

const downloadParams = exportCommandSchemas.exportSegmentation.params
  .omit({ path: true, overwrite: true })
  .extend({ fileName })
  .strict()
  .refine(
    (p) => (p.format === 'nifti' ? /\.nii(\.gz)?$/i.test(p.fileName) : /\.dcm$/i.test(p.fileName)),
    { message: 'a NIfTI file name ends in .nii or .nii.gz, a DICOM SEG one in .dcm' },
  );

export interface PreparedDownload {
  downloadId: string;
  /** the file first, then its label tables; each fetched at GET /segmentation-downloads/<id>/<name> */
  files: { name: string; bytes: number }[];
}

/**
 * The browser host's export: a page cannot be given a path on the host, so the segmentation is
 * written to a private temporary folder and the browser downloads it (under the per-run token)
 * with the label tables a NIfTI has beside it. `POST /segmentation-downloads` takes the
 * `exportSegmentation` params with `fileName` for `path` and answers a PreparedDownload;
 * `GET /segmentation-downloads/<id>/<name>` sends a file as an attachment. Each download is
 * removed after DOWNLOAD_LIFETIME_MS, and all of them when the host closes.
 */
export class SegmentationDownloads {
  private dir: Promise<string> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly workstation: Workstation) {}

  private folder(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'acsws-downloads-'));
    return this.dir;
  }

  async prepare(body: unknown): Promise<PreparedDownload> {
    const parsed = downloadParams.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || 'body'}: ${i.message}`,
      );
      throw new ApiError('bad_request', `bad download request: ${problems.join('; ')}`);
    }
    const { fileName: name, ...params } = parsed.data;
    const downloadId = `dl-${randomBytes(12).toString('hex')}`;
    const dir = join(await this.folder(), downloadId);
    await mkdir(dir, { mode: 0o700 });
    try {
      const written = await this.workstation.handlers.exportSegmentation({
        ...params,
        path: join(dir, name),
        overwrite: false,
      });
      const files = [];
      for (const path of written.paths) {
        files.push({ name: basename(path), bytes: (await readFile(path)).byteLength });
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void rm(dir, { recursive: true, force: true });
      }, DOWNLOAD_LIFETIME_MS);
      timer.unref();
      this.timers.add(timer);
      return { downloadId, files };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The bytes of one prepared file; null when there is none by that id and name. */
  async read(downloadId: string, name: string): Promise<Buffer | null> {
    if (!/^dl-[0-9a-f]{24}$/.test(downloadId) || !fileName.safeParse(name).success) return null;
    return readFile(join(await this.folder(), downloadId, name)).catch(() => null);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  if (size > MAX_REQUEST_BYTES) throw new ApiError('bad_request', 'the request is too large');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError('bad_request', 'the request is not JSON');
  }
}

/**
 * Serves the two download routes; false when the request is neither. The host has checked the
 * token and origin before.
 */
export async function handleSegmentationDownload(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  downloads: SegmentationDownloads,
  headers: Record<string, string>,
  scrub: (text: string) => string,
): Promise<boolean> {
  if (request.method === 'POST' && url.pathname === '/segmentation-downloads') {
    let status = 200;
    let answer: unknown;
    try {
      answer = await downloads.prepare(await readJson(request));
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : new ApiError('internal', error instanceof Error ? error.message : String(error));
      status = apiError.code === 'not_found' ? 404 : apiError.code === 'internal' ? 500 : 400;
      answer = { error: { code: apiError.code, message: scrub(apiError.message) } };
    }
    response.writeHead(status, {
      ...headers,
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    });
    response.end(JSON.stringify(answer));
    return true;
  }
  const file = url.pathname.match(/^\/segmentation-downloads\/([\w-]{1,64})\/([^/]{1,200})$/);
  if (request.method !== 'GET' || !file) return false;
  const name = decodeURIComponent(file[2] ?? '');
  const bytes = await downloads.read(file[1] ?? '', name);
  if (!bytes) {
    response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('no such download: export again');
    return true;
  }
  response.writeHead(200, {
    ...headers,
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${name}"`,
    'Content-Length': String(bytes.byteLength),
    'Cache-Control': 'no-store',
  });
  response.end(bytes);
  return true;
}
