import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What writeFileAtomic (./atomicWrite.ts, partialBeside) names a file while it is being written. */
const PARTIAL = /^\..+\.[0-9a-f]{12}\.partial$/;

/**
 * Removes the temporary files of writes a crash cut short (`.<name>.<hex>.partial`) in `folder`
 * and the folders below it, down to `depth` levels; called at start-up, before anything writes.
 * Returns how many were removed.
 */
export async function removePartialFiles(folder: string, depth = 3): Promise<number> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isFile() && PARTIAL.test(entry.name)) {
      await rm(path, { force: true });
      removed++;
    } else if (entry.isDirectory() && depth > 0) {
      removed += await removePartialFiles(path, depth - 1);
    }
  }
  return removed;
}
