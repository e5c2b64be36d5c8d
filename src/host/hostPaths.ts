import { confinedPaths } from '../workstation/pathPolicy';
import type { PathPolicy } from '../workstation/pathPolicy';

/**
 * The browser host's path policy: a page may have files written only inside the export folder,
 * and read only from it and the folders given with --import-allow (a browser uploads its files,
 * so by default it names none on this machine).
 */
export function hostPathPolicy(exportDirectory: string, importAllow: string[]): PathPolicy {
  return confinedPaths({ read: [...importAllow, exportDirectory], write: [exportDirectory] });
}
