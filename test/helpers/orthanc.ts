import { spawn, spawnSync } from 'node:child_process';
import { PLUGIN } from './orthancAvailable';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSIDE = 'ACSWS_LOOPBACK_NETNS';

/**
 * Runs a node:test file inside a new network and PID namespace with only loopback up: nothing it
 * starts can be reached from outside or reach out, and when it ends the kernel ends everything
 * it started (Orthanc included), whatever happened.
 */
export function runInLoopbackNamespace(
  file: string,
  timeoutMs: number,
  options: { slurm?: boolean } = {},
): { status: number | null; output: string } {
  // Slurm needs two things more. Its process tracking (proctrack/linuxproc) reads /proc, which
  // must be this PID namespace's. And it resolves its listening address with AI_ADDRCONFIG,
  // which finds nothing where 127.0.0.1 is the only IPv4 address: a second loopback address
  // (still on lo, reachable from nowhere else) makes it resolve.
  const slurm = options.slurm
    ? { flags: ['--mount-proc'], setup: ' && ip addr add 127.0.0.2/8 dev lo' }
    : { flags: [], setup: '' };
  const run = spawnSync(
    'unshare',
    [
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      ...slurm.flags,
      'sh',
      '-c',
      `ip link set lo up${slurm.setup} && exec "$0" "$@"`,
      process.execPath,
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      file,
    ],
    {
      // Without NODE_TEST_CONTEXT: the inner runner would take itself for a nested call and skip.
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'),
        ),
        [INSIDE]: '1',
      },
      encoding: 'utf8',
      timeout: timeoutMs,
    },
  );
  return {
    status: run.status,
    output: `${run.stdout}${run.stderr}${run.error ? String(run.error) : ''}`,
  };
}

export interface Orthanc {
  /** the DICOMweb root */
  dicomWeb: string;
  /** Orthanc's own REST API root */
  rest: string;
  users: Record<string, string>;
  stop(): Promise<void>;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Starts Orthanc with authentication and DICOMweb, storage in a temp dir, no DICOM port. */
export async function startOrthanc(users: Record<string, string>, port = 8042): Promise<Orthanc> {
  if (process.env[INSIDE] !== '1') {
    throw new Error(
      'Orthanc listens on all interfaces: start it only inside runInLoopbackNamespace',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'orthanc-'));
  const config = {
    Name: 'ACSWS-TEST',
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpPort: port,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: users,
    Plugins: [PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
  const child: ChildProcess = spawn('Orthanc', [join(dir, 'orthanc.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const rest = `http://127.0.0.1:${port}`;
  const [user, password] = Object.entries(users)[0];
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited with ${child.exitCode}:\n${log}`);
    const ok = await fetch(`${rest}/system`, {
      headers: { authorization: basic(user, password) },
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Orthanc did not answer within 30 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    dicomWeb: `${rest}/dicom-web`,
    rest,
    users,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Uploads DICOM files through Orthanc's own REST API (not DICOMweb: independent of the client under test). */
export async function uploadToOrthanc(orthanc: Orthanc, files: Uint8Array[]): Promise<void> {
  const [user, password] = Object.entries(orthanc.users)[0];
  for (const file of files) {
    const response = await fetch(`${orthanc.rest}/instances`, {
      method: 'POST',
      headers: { authorization: basic(user, password), 'content-type': 'application/dicom' },
      body: file,
    });
    if (!response.ok)
      throw new Error(`Orthanc refused an upload: ${response.status} ${await response.text()}`);
  }
}

export { orthancUnavailable } from './orthancAvailable';
