import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The user's data folder (library, models, checkpoints), shared by the app and the CLI. */
export { dataFolder } from '../library/dataFolder';

/** The repository (or unpacked app) root: src/workstation is two levels below it. */
export const APP_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_PATHS = {
  sample: join(APP_ROOT, 'assets/sample'),
  models: join(APP_ROOT, 'assets/models'),
  renderer: join(APP_ROOT, 'build/renderer'),
};

export function appVersion(root = APP_ROOT): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
}
