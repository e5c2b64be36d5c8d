import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';

/**
 * Files the browser host received for import (a SEG or NIfTI the user picked in the browser,
 * which has no path the core could read). Each is kept in a private temporary folder under an
 * id until it is imported, then removed.
 */
export class Uploads {
  private dir: Promise<string> | null = null;

  private folder(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'acsws-uploads-'));
    return this.dir;
  }

  /** A new id and the path its bytes are to be written to. */
  async create(): Promise<{ uploadId: string; path: string }> {
    const uploadId = `up-${randomBytes(12).toString('hex')}`;
    return { uploadId, path: join(await this.folder(), uploadId) };
  }

  async path(uploadId: string): Promise<string> {
    const path = join(await this.folder(), uploadId);
    const found = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!/^up-[0-9a-f]{24}$/.test(uploadId) || !found) {
      throw new ApiError('not_found', `no upload ${uploadId}: upload the file again`);
    }
    return path;
  }

  async remove(uploadId: string): Promise<void> {
    await rm(join(await this.folder(), uploadId), { force: true });
  }
}
