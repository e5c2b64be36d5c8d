// `npm start`: the desktop app where Electron can run, else the browser host with the same UI.
// Either way the bundled sample study opens at once.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The Electron binary's path, fetching it once if its installer was skipped; else why not. */
function electronBinary() {
  const attempt = () => {
    try {
      const path = require('electron');
      return existsSync(path) ? { path } : { reason: `${path} is missing` };
    } catch (error) {
      return { reason: error.message.split('\n')[0] };
    }
  };
  const first = attempt();
  if (first.path || process.env.WORKSTATION_NO_ELECTRON) return first;
  // npm runs no dependency install scripts unless allowed (package.json allowScripts), so the
  // Electron binary is fetched here, on first start, where the network allows it.
  const install = spawnSync(process.execPath, [require.resolve('electron/install.js')], {
    stdio: 'ignore',
  });
  return install.status === 0 ? attempt() : { reason: `${first.reason}; fetching Electron failed` };
}

if (!existsSync('build/renderer/index.html')) run('npm', ['run', 'build:renderer']);
const electron = electronBinary();
if (electron.path) {
  run(process.execPath, ['scripts/build-electron.mjs']);
  const app = spawn(electron.path, ['.'], { stdio: 'inherit' });
  app.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error(
    `Electron is not available (${electron.reason}): starting the browser host instead.`,
  );
  const host = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/host/main.ts', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => host.kill(signal));
  host.on('exit', (code) => process.exit(code ?? 0));
}
