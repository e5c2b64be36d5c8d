import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { MODEL, MODELS } from './batchFixtures';

export interface BatchEventLine {
  event: string;
  status?: string;
  series?: string;
  reason?: string;
  summary?: { done: number; skipped: number; failed: number; busy: number; total: number };
}

/** Runs `cli batch` with the fixtures' tiny model; its JSON lines parsed. */
export function cliBatch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'batch', '--models', MODELS, '--model', MODEL, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, WORKSTATION_TF_BACKENDS: 'wasm,cpu', ...env },
      timeout: 120_000,
    },
  );
  const lines = run.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as BatchEventLine);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, lines };
}

/** A loopback port nothing listens on: a server there is unreachable. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
