import { homedir } from 'node:os';
import { resolve } from 'node:path';

/** A path as the user wrote it: `~` is their home folder, a relative path from the cwd. */
export function userPath(path: string): string {
  return resolve(path.replace(/^~(?=$|[/\\])/, homedir()));
}
