import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const READY = /^Workstation ready at (http:\/\/127\.0\.0\.1:\d+\/\?token=(\S+))$/;
const START_TIMEOUT_MS = 120_000;

/** A loopback port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the browser host on a free port with a fresh data folder, waits for its one ready line
 * and hands its URL and token to the tests through the environment. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'workstation-e2e-'));
  const exportDir = join(dataDir, 'exports');
  mkdirSync(exportDir);
  // the memory test opens the host's inspector on this loopback port (SIGUSR1) to read its heap
  const inspectPort = await freePort();
  const host = spawn(
    process.execPath,
    [
      `--inspect-port=127.0.0.1:${inspectPort}`,
      '--import',
      'tsx',
      'src/host/main.ts',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--export-dir',
      exportDir,
      // import.spec names folders it makes under the system temp folder
      '--import-allow',
      tmpdir(),
      // The fixed-weight model whose answer the tests know; npm start uses the trained one.
      '--models',
      'test/fixtures/models',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let stderr = '';
  host.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    process.stderr.write(`[host] ${chunk.toString()}`);
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the host did not say it was ready within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const lines = createInterface({ input: host.stdout });
    lines.on('line', (line) => {
      const match = READY.exec(line.trim());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      } else {
        process.stdout.write(`[host] ${line}\n`);
      }
    });
    host.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited (${code}) before it was ready:\n${stderr}`));
    });
  });

  const parsed = new URL(url);
  process.env.WORKSTATION_URL = url;
  process.env.WORKSTATION_ORIGIN = parsed.origin;
  process.env.WORKSTATION_TOKEN = parsed.searchParams.get('token') ?? '';
  process.env.WORKSTATION_DATA_DIR = dataDir;
  process.env.WORKSTATION_EXPORT_DIR = exportDir;
  // the memory test reads the host's resident size from /proc
  process.env.WORKSTATION_HOST_PID = String(host.pid ?? '');
  process.env.WORKSTATION_HOST_INSPECT_PORT = String(inspectPort);

  return async () => {
    if (host.exitCode === null) {
      const exited = new Promise((resolve) => host.once('exit', resolve));
      host.kill('SIGTERM');
      const timer = setTimeout(() => host.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
}
