import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LibraryService } from '../workstation/library/LibraryService';

export interface UploadLimits {
  /** bytes of one file */
  fileBytes: number;
  /** files in one upload */
  files: number;
  /** bytes of one upload, all files together */
  bytes: number;
}

/**
 * One file at most 4 GiB (an enhanced multi-frame CT can be large; no DICOM file is that big);
 * an upload a folder of a few studies, not a whole disk.
 */
export const UPLOAD_LIMITS: UploadLimits = {
  fileBytes: 4 * 1024 ** 3,
  files: 200_000,
  bytes: 64 * 1024 ** 3,
};
/** folders deep, and characters of one name */
const MAX_DEPTH = 32;
const MAX_SEGMENT = 200;

export class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/**
 * The path an uploaded file is stored under, from the URL's encoded relative path: each part
 * decoded, "." and ".." and empty parts refused (no way out of the upload folder), separators,
 * NUL and control characters refused, anything else outside a plain set replaced by "_".
 * Null when the path is refused.
 */
export function safeUploadPath(encoded: string): string[] | null {
  const parts = encoded.split('/');
  if (parts.length === 0 || parts.length > MAX_DEPTH) return null;
  const safe: string[] = [];
  for (const part of parts) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return null;
    }
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f]/.test(name))
      return null;
    const cleaned = name
      .replace(/[^\p{L}\p{N} ._()+,@#=-]/gu, '_')
      // Windows drops trailing dots and spaces: "a." and "a" would be one file there
      .replace(/[. ]+$/, (m) => '_'.repeat(m.length))
      .slice(0, MAX_SEGMENT);
    safe.push(cleaned);
  }
  return safe;
}

interface UploadTally {
  files: number;
  bytes: number;
}

/**
 * Receives browser uploads into the upload folders of the library service: `PUT
 * /uploads/<uploadId>/<relative path>`, streamed to disk (never held whole in memory), within
 * the limits above, each file written under a temporary name and renamed when complete.
 */
export class UploadReceiver {
  private readonly tallies = new Map<string, UploadTally>();

  constructor(
    private readonly library: () => LibraryService,
    private readonly limits: UploadLimits = UPLOAD_LIMITS,
  ) {}

  async receive(request: IncomingMessage, uploadId: string, encodedPath: string): Promise<void> {
    const folder = this.library().uploadFolder(uploadId);
    if (!folder) {
      this.tallies.delete(uploadId);
      throw new UploadError(404, `no open upload ${uploadId}`);
    }
    const parts = safeUploadPath(encodedPath);
    if (!parts) throw new UploadError(400, `refused file name: ${encodedPath.slice(0, 300)}`);
    const target = join(folder, ...parts);
    if (existsSync(target)) throw new UploadError(409, `${parts.join('/')} was uploaded already`);
    const tally = this.tallies.get(uploadId) ?? { files: 0, bytes: 0 };
    this.tallies.set(uploadId, tally);
    if (tally.files >= this.limits.files)
      throw new UploadError(413, `an upload holds at most ${this.limits.files} files`);
    const declared = Number(request.headers['content-length'] ?? 0);
    const room = Math.min(this.limits.fileBytes, this.limits.bytes - tally.bytes);
    if (declared > room) throw new UploadError(413, `${parts.join('/')} is too large`);
    try {
      mkdirSync(dirname(target), { recursive: true });
    } catch {
      // a file uploaded before under a name this path needs as a folder (ENOTDIR, EEXIST)
      throw new UploadError(
        409,
        `${parts.join('/')}: a file of the same name as one of its folders was uploaded already`,
      );
    }
    tally.files++;
    const part = `${target}.part-${randomBytes(6).toString('hex')}`;
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > room) done(new UploadError(413, `${parts.join('/')} is too large`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(request, limit, createWriteStream(part, { flags: 'wx' }));
      renameSync(part, target);
      tally.bytes += received;
    } catch (error) {
      rmSync(part, { force: true });
      tally.files--;
      if (error instanceof UploadError) throw error;
      throw new UploadError(400, `${parts.join('/')}: the upload broke off`);
    } finally {
      // discarded while this file came in: what this request wrote (folders too) goes with it
      if (!this.library().uploadFolder(uploadId)) rmSync(folder, { recursive: true, force: true });
    }
  }
}
