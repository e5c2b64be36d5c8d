// The browser host: `npm run host -- [--port N] [--sample DIR] [--models DIR] [--export-dir DIR]
// [--import-allow DIR]...`. Prints one line with the URL (token included) to open in a browser,
// and serves until stopped. A page may have files written only inside the export folder, and read
// only from it and the --import-allow folders (browsers upload files instead).
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_PATHS, appVersion } from '../workstation/paths';
import { createWorkstation } from '../workstation/createWorkstation';
import { hostPathPolicy } from './hostPaths';
import { startHost } from './startHost';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    sample: { type: 'string', default: DEFAULT_PATHS.sample },
    models: { type: 'string', default: DEFAULT_PATHS.models },
    renderer: { type: 'string', default: DEFAULT_PATHS.renderer },
    'export-dir': { type: 'string' },
    'data-dir': { type: 'string' },
    'import-allow': { type: 'string', multiple: true, default: [] },
  },
});
const exportDirectory = values['export-dir'] ?? homedir();

const workstation = await createWorkstation({
  seriesFolders: [values.sample],
  modelsDir: values.models,
  version: appVersion(),
  backends: process.env.WORKSTATION_TF_BACKENDS,
  exportDirectory,
  dataDir: values['data-dir'],
  paths: hostPathPolicy(exportDirectory, values['import-allow']),
});
const host = await startHost({
  workstation,
  staticDir: values.renderer,
  port: Number(values.port),
});
console.log(`Workstation ready at ${host.url}`);

const stop = async () => {
  await host.close();
  await workstation.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
