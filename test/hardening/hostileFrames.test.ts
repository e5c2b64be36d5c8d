// A crafted RLE frame and a slow codec against the running host: the file fails with a named
// error, other clients are answered within 200 ms while a frame decodes, and an import can be
// cancelled while a slow decode runs (the decoding thread is stopped, not waited for).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import type { ApiEvent } from '../../src/api/events';
import { DicomReadError } from '../../src/dicom/DicomReadError';
import { diskFile } from '../../src/dicom/FileSource';
import { framePixels } from '../../src/dicom/framePixels';
import { scanFiles } from '../../src/dicom/scanFiles';
import { hostPathPolicy } from '../../src/host/hostPaths';
import type { Host } from '../../src/host/startHost';
import { startHost } from '../../src/host/startHost';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import type { Workstation } from '../../src/workstation/Workstation';
import { convertFolder } from '../fixtures/convert';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';

const work = mkdtempSync(join(tmpdir(), 'hostile-frames-'));
const incoming = join(work, 'incoming');
const dataDir = join(work, 'data');
let workstation: Workstation;
let host: Host;

/** pydicom's MR_small_RLE with segment 1 near the frame's end and segment 2 at 0xFFFFFFFF. */
function craftedRle(dir: string): string {
  const bytes = readFileSync(
    '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_RLE.dcm',
  );
  const header = bytes.indexOf(Buffer.from([2, 0, 0, 0, 64, 0, 0, 0]));
  assert.ok(header > 0, 'the RLE header of MR_small_RLE');
  const frameLength = bytes.readUInt32LE(header - 4);
  bytes.writeUInt32LE(frameLength - 2, header + 4);
  bytes.writeUInt32LE(0xffffffff, header + 8);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'crafted-rle.dcm');
  writeFileSync(path, bytes);
  return path;
}

/** Four 1024x1024 frames of noise as JPEG 2000: about a second each to decode. */
function slowSeries(dir: string): string {
  const n = 1024;
  const voxels = new Float32Array(n * n * 4);
  let x = 12345;
  for (let i = 0; i < voxels.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    voxels[i] = x >>> 20;
  }
  const identity = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  writeDicomSeries(
    join(work, 'plain'),
    { dims: [n, n, 4], voxels, affine: identity as never },
    {
      bitsStored: 12,
    },
  );
  convertFolder(join(work, 'plain'), dir, 'gdcmconv', ['--j2k']);
  return dir;
}

before(async () => {
  mkdirSync(dataDir);
  craftedRle(join(incoming, 'rle'));
  slowSeries(join(incoming, 'slow'));
  workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'wasm,cpu',
    exportDirectory: join(work, 'exports'),
    dataDir,
    paths: hostPathPolicy(join(work, 'exports'), [incoming]),
  });
  host = await startHost({ workstation, staticDir: 'renderer', port: 0 });
});
after(async () => {
  await host.close();
  await workstation.close();
  rmSync(work, { recursive: true, force: true });
});

interface Client {
  call(
    command: string,
    params: unknown,
  ): Promise<{ ok: boolean; result?: unknown; error?: unknown }>;
  event(match: (e: ApiEvent) => boolean): Promise<ApiEvent>;
  close(): void;
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, {
    headers: { Authorization: `Bearer ${host.token}` },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (r: never) => void>();
  const waiters: Array<{ match: (e: ApiEvent) => boolean; resolve: (e: ApiEvent) => void }> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.kind === 'event') {
      for (const w of waiters.splice(0)) {
        if (w.match(message.event)) w.resolve(message.event);
        else waiters.push(w);
      }
    } else pending.get(message.id)?.(message as never);
  });
  return {
    call: (command, params) =>
      new Promise((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ id, command, params }));
      }),
    event: (match) => new Promise((resolve) => waiters.push({ match, resolve })),
    close: () => ws.close(),
  };
}

/** The slowest of `count` answers to another client, in ms. */
async function slowestAnswer(client: Client, count: number): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    assert.equal((await client.call('getAppInfo', {})).ok, true);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return slowest;
}

test('the crafted RLE file fails as malformed, naming the segment, and the host answers on', async () => {
  const importer = await connect();
  const other = await connect();
  const started = performance.now();
  const job = await importer.call('importPaths', { paths: [join(incoming, 'rle')] });
  assert.equal(job.ok, true, JSON.stringify(job));
  const { jobId } = job.result as { jobId: string };
  const done = importer.event((e) => 'jobId' in e && e.jobId === jobId && e.type === 'import.done');
  assert.ok((await slowestAnswer(other, 3)) < 200);
  const report = (await done) as Extract<ApiEvent, { type: 'import.done' }>;
  assert.ok(performance.now() - started < 10_000);
  assert.deepEqual(report.imported, []);
  assert.equal(report.errors.length, 1);
  assert.equal(report.errors[0]?.problem, 'malformed');
  assert.match(
    report.errors[0]?.message ?? '',
    /RLE segment 1 spans bytes \d+ to 4294967295 of a \d+-byte frame/,
  );
  importer.close();
  other.close();
});

test('while a slow frame decodes, others are answered within 200 ms and cancel stops the import at once', async () => {
  const importer = await connect();
  const other = await connect();
  const job = await importer.call('importPaths', { paths: [join(incoming, 'slow')] });
  const { jobId } = job.result as { jobId: string };
  const ended = importer.event(
    (e) =>
      'jobId' in e &&
      e.jobId === jobId &&
      ['import.done', 'job.cancelled', 'job.failed'].includes(e.type),
  );
  // building the series: its frames are being decoded
  await importer.event(
    (e) => e.type === 'import.progress' && e.jobId === jobId && e.phase === 'read',
  );
  const slowest = await slowestAnswer(other, 8);
  assert.ok(slowest < 200, `an answer took ${slowest.toFixed(0)} ms while frames decoded`);
  const cancelAt = performance.now();
  assert.deepEqual((await importer.call('cancelJob', { jobId })).result, { cancelled: true });
  const end = await ended;
  const cancelMs = performance.now() - cancelAt;
  assert.equal(end.type, 'job.cancelled');
  assert.ok(cancelMs < 500, `the cancel took ${cancelMs.toFixed(0)} ms`);
  const series = (await other.call('listSeries', {})).result as Array<{ slices: number }>;
  assert.ok(
    series.every((s) => s.slices !== 4),
    'the cancelled series is not in the library',
  );
  console.log(
    `slowest answer while decoding ${slowest.toFixed(0)} ms, cancel ${cancelMs.toFixed(0)} ms`,
  );
  importer.close();
  other.close();
});

test('a frame over its time budget fails as a named timeout; the pool decodes the next one', async () => {
  const [name = ''] = readdirSync(join(incoming, 'slow'));
  const { slices } = await scanFiles([diskFile(join(incoming, 'slow', name))]);
  const slice = slices[0];
  assert.ok(slice);
  const scratch = new Uint8Array(1024 * 1024 * 2);
  await assert.rejects(framePixels(slice, scratch, { budgetMs: 50 }), (error: unknown) => {
    assert.ok(error instanceof DicomReadError);
    assert.equal(error.problem, 'timeout');
    assert.match(error.message, /decoding the frame took over 0\.05 s/);
    return true;
  });
  assert.equal((await framePixels(slice, scratch)).length, 1024 * 1024 * 2);
});
