import { spawn, spawnSync } from 'node:child_process';
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
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, lines: linesOf(run.stderr) };
}

function linesOf(stderr: string): BatchEventLine[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as BatchEventLine);
}

/** The same, without blocking: for workers that run at the same time. */
export function cliBatchAsync(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'batch', '--models', MODELS, '--model', MODEL, ...args],
    { env: { ...process.env, WORKSTATION_TF_BACKENDS: 'wasm,cpu' } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ status: number | null; stderr: string; lines: BatchEventLine[] }>(
    (resolve) => child.on('close', (status) => resolve({ status, stderr, lines: linesOf(stderr) })),
  );
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
