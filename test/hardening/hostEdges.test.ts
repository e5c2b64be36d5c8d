// The smaller holes: bad %-escapes, links out of the served folder, an upload whose file and
// folder names clash, the data folder in what a page is told, .partial leftovers, and the cap
// on imports running at once.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import type { ApiEvent } from '../../src/api/events';
import type { Host } from '../../src/host/startHost';
import { startHost } from '../../src/host/startHost';
import { pathScrubber } from '../../src/workstation/pages/pathScrubber';
import { removePartialFiles } from '../../src/files/partialFiles';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { MAX_PARALLEL_IMPORTS } from '../../src/workstation/library/LibraryService';
import type { Workstation } from '../../src/workstation/Workstation';

const work = mkdtempSync(join(tmpdir(), 'host-edges-'));
const served = join(work, 'renderer');
const dataDir = join(work, 'data');
let workstation: Workstation;
let host: Host;

before(async () => {
  mkdirSync(served);
  writeFileSync(join(served, 'index.html'), '<!doctype html>');
  writeFileSync(join(work, 'secret.txt'), 'outside the renderer');
  symlinkSync(join(work, 'secret.txt'), join(served, 'link.txt'));
  symlinkSync(work, join(served, 'up'));
  // what a crash leaves: a half-written segmentation, and a finished file that must stay
  mkdirSync(join(dataDir, 'segmentations', '1.2.3'), { recursive: true });
  writeFileSync(join(dataDir, 'segmentations', '1.2.3', '.seg.json.0123456789ab.partial'), 'x');
  writeFileSync(join(dataDir, 'segmentations', '1.2.3', 'seg.json'), '{}');
  workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'wasm,cpu',
    dataDir,
  });
  host = await startHost({ workstation, staticDir: served, port: 0 });
});
after(async () => {
  await host.close();
  await workstation.close();
  rmSync(work, { recursive: true, force: true });
});

function send(method: string, path: string, body?: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        path,
        method,
        headers: { Authorization: `Bearer ${host.token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('a malformed %-escape is the client error 400, not a 500', async () => {
  for (const path of ['/%E0%A4%A', '/%', '/a%ZZ.js', '/%C0%80']) {
    const answer = await send('GET', path);
    assert.equal(answer.status, 400, path);
  }
  assert.equal((await send('GET', '/index.html')).status, 200);
});

test('static files never follow a symbolic link out of the renderer folder', async () => {
  assert.equal((await send('GET', '/link.txt')).status, 404);
  assert.equal((await send('GET', '/up/secret.txt')).status, 404);
});

test('an upload whose file and folder names clash answers 409, naming no data path', async () => {
  const { uploadId } = await workstation.handlers.createUpload({});
  assert.equal((await send('PUT', `/uploads/${uploadId}/a`, Buffer.from('x'))).status, 204);
  const clash = await send('PUT', `/uploads/${uploadId}/a/b.dcm`, Buffer.from('y'));
  assert.equal(clash.status, 409);
  assert.match(clash.body, /^a\/b\.dcm: a file of the same name as one of its folders/);
  assert.ok(!clash.body.includes(dataDir));
});

test('an error sent over the socket names the data folder, never its path', async () => {
  const [series] = await workstation.handlers.listSeries({});
  const volume = await workstation.handlers.openSeries({ seriesId: series?.seriesId ?? '' });
  const [x, y, z] = volume.geometry.dimensions;
  workstation.addLabelmap(
    { labelmapId: 'scrub', volumeId: volume.volumeId, classes: [], counts: [] },
    new Uint8Array(x * y * z),
  );
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, {
    headers: { Authorization: `Bearer ${host.token}` },
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  const path = join(dataDir, 'no-such-folder', 'x.nii.gz');
  ws.send(
    JSON.stringify({ id: 1, command: 'exportLabelmap', params: { labelmapId: 'scrub', path } }),
  );
  const text = await reply;
  ws.close();
  assert.ok(!text.includes(dataDir), text);
  assert.match(text, /"ok":false.*<data folder>\/no-such-folder\/x\.nii\.gz/);
});

test('the data folder is named, not shown, in text for the page', () => {
  const scrub = pathScrubber({ '<data folder>': '/home/u/.config/acs' });
  assert.equal(
    scrub('/home/u/.config/acs/library/series/x/meta.json: not valid'),
    '<data folder>/library/series/x/meta.json: not valid',
  );
  // inside JSON, where a Windows path's backslashes are escaped
  const windows = pathScrubber({ '<data folder>': 'C:\\Users\\u\\acs' });
  assert.equal(
    windows(JSON.stringify({ message: 'C:\\Users\\u\\acs\\library: broken' })),
    JSON.stringify({ message: '<data folder>\\library: broken' }),
  );
});

test('.partial files a crash left are removed at start, and nothing else', async () => {
  const folder = join(dataDir, 'segmentations', '1.2.3');
  assert.deepEqual(readdirSync(folder), ['seg.json']);
  writeFileSync(join(folder, '.labels.gz.fedcba987654.partial'), 'x');
  writeFileSync(join(folder, 'notes.partial'), 'a user file with a similar name');
  assert.equal(await removePartialFiles(dataDir), 1);
  assert.deepEqual(readdirSync(folder).sort(), ['notes.partial', 'seg.json']);
});

test(`at most ${MAX_PARALLEL_IMPORTS} imports run at once; the rest queue, and a queued one cancels at once`, async () => {
  const folders = Array.from({ length: MAX_PARALLEL_IMPORTS + 2 }, (_, i) => {
    const folder = join(work, `import-${i}`);
    cpSync(join(process.cwd(), 'assets/sample'), folder, { recursive: true });
    return folder;
  });
  const events: ApiEvent[] = [];
  const stop = workstation.onEvent((e) => events.push(e));
  const jobs = folders.map((folder) => workstation.library.importPaths([folder]));
  const queued = events.filter((e) => e.type === 'import.progress' && e.phase === 'queued');
  assert.deepEqual(
    queued.map((e) => ('jobId' in e ? e.jobId : '')),
    jobs.slice(MAX_PARALLEL_IMPORTS),
  );
  const last = jobs.at(-1) ?? '';
  assert.equal(workstation.library.cancel(last), true);
  assert.ok(events.some((e) => e.type === 'job.cancelled' && e.jobId === last));
  const ends = () =>
    jobs.slice(0, -1).every((id) => events.some((e) => e.type === 'import.done' && e.jobId === id));
  while (!ends()) await new Promise((resolve) => setTimeout(resolve, 50));
  // a queued job starts only when one before it ended
  const firstEnd = events.findIndex((e) => e.type === 'import.done');
  const thirdStart = events.findIndex(
    (e) =>
      e.type === 'import.progress' &&
      e.jobId === jobs[MAX_PARALLEL_IMPORTS] &&
      e.phase !== 'queued',
  );
  assert.ok(thirdStart > firstEnd, 'the queued import started after one ended');
  stop();
  assert.ok(existsSync(dataDir));
});
