import { randomBytes } from 'node:crypto';
import { access, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists: choose another name or allow overwriting`);
    this.name = 'FileExistsError';
  }
}

/**
 * Writes a file so that a reader, a crash or a full disk never sees half of it: the bytes go to
 * a temporary file beside the target, are flushed, and only then renamed over it.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  overwrite: boolean,
): Promise<void> {
  if (!overwrite) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new FileExistsError(path);
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
