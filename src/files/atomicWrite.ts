import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { access, chmod, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists: choose another name or allow overwriting`);
    this.name = 'FileExistsError';
  }
}

/**
 * The name a file has while it is being written: beside the target, hidden, unique, and in the
 * one form removePartialFiles (./partialFiles.ts) recognises as a crash's leftover.
 */
export function partialBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
}

export interface AtomicWriteOptions {
  /** file mode the new file gets whatever the umask (0o600 for a file holding secrets) */
  mode?: number;
}

/**
 * Writes a file so that a reader, a crash or a full disk never sees half of it: the bytes go to
 * a temporary file beside the target, are flushed, and only then renamed over it.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  overwrite: boolean,
  options: AtomicWriteOptions = {},
): Promise<void> {
  if (!overwrite) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new FileExistsError(path);
  }
  const temp = partialBeside(path);
  try {
    const handle = await open(temp, 'wx', options.mode);
    try {
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    if (options.mode !== undefined) await chmod(path, options.mode);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** writeFileAtomic for callers that must not yield (the library's synchronous import step). */
export function writeFileAtomicSync(path: string, ...chunks: Uint8Array[]): void {
  const temp = partialBeside(path);
  const fd = openSync(temp, 'wx');
  try {
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
}
