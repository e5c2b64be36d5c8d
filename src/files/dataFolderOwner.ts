import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './processAlive';

/** Whether this process may tidy the data folder at start, and how it lets go at the end. */
export interface DataFolderClaim {
  /**
   * false when another live process (the app while `cli train` runs, say) holds the folder: what
   * looks like a crash's leftover may then be its write in progress, so nothing is removed
   */
  recover: boolean;
  release(): void;
}

const OWNER = '.owner.pid';

/**
 * Claims the data folder for this process unless a live one holds it. A pid reused after a
 * crash only postpones the tidying to the next start; it never removes another's work.
 */
export function claimDataFolder(dataDir: string): DataFolderClaim {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, OWNER);
  let holder = NaN;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    // no owner yet
  }
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
    return { recover: false, release: () => undefined };
  }
  writeFileSync(path, String(process.pid));
  return {
    recover: true,
    release: () => {
      try {
        if (Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path);
      } catch {
        // gone already
      }
    },
  };
}
