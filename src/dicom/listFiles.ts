import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diskFile } from './FileSource';
import type { FileSource } from './FileSource';

/** Every file under the given paths (folders recursively), in a stable order. Links are followed. */
export function listFiles(paths: string[]): FileSource[] {
  const out: FileSource[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
    } else if (stat.isFile()) {
      out.push(diskFile(path, stat.size));
    }
  };
  for (const path of paths) visit(path);
  return out;
}
