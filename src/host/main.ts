// The browser host: `npm run host -- [--port N] [--sample DIR] [--models DIR]`. Prints one line
// with the URL (token included) to open in a browser, and serves until stopped.
import { parseArgs } from 'node:util';
import { DEFAULT_PATHS, appVersion } from '../workstation/paths';
import { createWorkstation } from '../workstation/createWorkstation';
import { startHost } from './startHost';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    sample: { type: 'string', default: DEFAULT_PATHS.sample },
    models: { type: 'string', default: DEFAULT_PATHS.models },
    renderer: { type: 'string', default: DEFAULT_PATHS.renderer },
    'export-dir': { type: 'string' },
    'data-dir': { type: 'string' },
  },
});

const workstation = await createWorkstation({
  seriesFolders: [values.sample],
  modelsDir: values.models,
  version: appVersion(),
  backends: process.env.WORKSTATION_TF_BACKENDS,
  exportDirectory: values['export-dir'],
  dataDir: values['data-dir'],
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
