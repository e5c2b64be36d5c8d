import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A name beside `path` that no other writer will pick. */
export function temporaryBeside(path: string): string {
  return join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
}

/**
 * Writes a file so that a reader, or a crash, only ever sees the old content or the whole new
 * one: write a temporary file beside it, flush it to disk, then rename it over the target.
 */
export function writeFileAtomic(path: string, ...chunks: Uint8Array[]): void {
  const temporary = temporaryBeside(path);
  const fd = openSync(temporary, 'wx');
  try {
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
}
