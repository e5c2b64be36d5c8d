// The browser's way into the library: uploads into a fresh folder, token required, names that
// could leave the folder refused, then imported; thumbnails served under the same token rule.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiEvent } from '../../src/api/events';
import { safeUploadPath } from '../../src/host/libraryRoutes';
import type { Host } from '../../src/host/startHost';
import { startHost } from '../../src/host/startHost';
import type { Workstation } from '../../src/workstation/Workstation';
import { openSampleWorkstation } from '../helpers/workstation';

let workstation: Workstation;
let host: Host;
before(async () => {
  workstation = await openSampleWorkstation();
  host = await startHost({ workstation, staticDir: 'renderer', port: 0 });
});
after(async () => {
  await host.close();
  await workstation.close();
});

function send(method: string, path: string, body?: Buffer, token: string | null = host.token) {
  return new Promise<{ status: number; type: string; body: Buffer }>((resolve, reject) => {
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    const req = request({ host: '127.0.0.1', port: host.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SAMPLE = join(process.cwd(), 'assets/sample');

test('file names: parts decoded and cleaned; "..", ".", empty parts and separators refused', () => {
  assert.deepEqual(safeUploadPath('study/IM%201.dcm'), ['study', 'IM 1.dcm']);
  assert.deepEqual(safeUploadPath('a%3Cb%3E%7C.dcm'), ['a_b__.dcm']);
  assert.deepEqual(safeUploadPath('trailing.'), ['trailing_']);
  for (const bad of [
    '..',
    'a/../../etc/passwd',
    '%2e%2e/x',
    'a/%2e%2e%2fx',
    'a%2F..%2F..%2Fx',
    'a%5C..%5Cx',
    'a//b',
    '.',
    'x%00y',
    '%E0%A4%A',
  ])
    assert.equal(safeUploadPath(bad), null, bad);
});

test('an upload needs the token, an open upload id, and a name that stays inside', async () => {
  const { uploadId } = await workstation.handlers.createUpload({});
  const folder = workstation.library.uploadFolder(uploadId) ?? '';
  const file = readFileSync(join(SAMPLE, readdirSync(SAMPLE)[0] ?? ''));
  assert.equal((await send('PUT', `/uploads/${uploadId}/a.dcm`, file, null)).status, 401);
  assert.equal((await send('PUT', `/uploads/${uploadId}/a.dcm`, file, 'wrong')).status, 401);
  assert.equal((await send('PUT', `/uploads/up-unknown/a.dcm`, file)).status, 404);
  for (const climb of ['../escape.dcm', '%2e%2e/escape.dcm', 'x/..%2F..%2Fescape.dcm']) {
    const refused = await send('PUT', `/uploads/${uploadId}/${climb}`, file);
    assert.equal(refused.status, 400, climb);
    assert.match(refused.body.toString(), /refused file name/);
  }
  assert.ok(!existsSync(join(folder, '..', 'escape.dcm')));
  assert.equal((await send('PUT', `/uploads/${uploadId}/sub/a.dcm`, file)).status, 204);
  assert.equal((await send('PUT', `/uploads/${uploadId}/sub/a.dcm`, file)).status, 409);
  assert.deepEqual(readFileSync(join(folder, 'sub', 'a.dcm')), file);
  assert.deepEqual(readdirSync(join(folder, 'sub')), ['a.dcm'], 'no partial file left');
  await workstation.handlers.cancelJob({ jobId: uploadId });
  assert.ok(!existsSync(folder));
  assert.equal((await send('PUT', `/uploads/${uploadId}/b.dcm`, file)).status, 404);
});

test('uploaded files are imported, the folder removed, the thumbnail served with the token', async () => {
  const events: ApiEvent[] = [];
  const stop = workstation.onEvent((event) => events.push(event));
  const before = await workstation.handlers.listSeries({});
  const { uploadId } = await workstation.handlers.createUpload({});
  for (const name of readdirSync(SAMPLE)) {
    const status = (
      await send('PUT', `/uploads/${uploadId}/sample/${name}`, readFileSync(join(SAMPLE, name)))
    ).status;
    assert.equal(status, 204);
  }
  const { jobId } = await workstation.handlers.importUpload({ uploadId });
  while (!events.some((e) => e.jobId === jobId && e.type === 'import.done'))
    await new Promise((resolve) => setTimeout(resolve, 10));
  stop();
  const done = events.find((e) => e.jobId === jobId && e.type === 'import.done');
  assert.ok(done?.type === 'import.done');
  assert.deepEqual(done.existing, [before[0]?.seriesId], 'the sample is recognised');
  assert.ok(!existsSync(join(workstation.library.uploadsRoot, uploadId)));

  const url = `/${before[0]?.thumbnailUrl}`;
  assert.equal((await send('GET', url, undefined, null)).status, 401);
  const png = await send('GET', url);
  assert.equal(png.status, 200);
  assert.equal(png.type, 'image/png');
  assert.deepEqual([...png.body.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal((await send('GET', '/thumbnails/0123456789abcdef0123456789abcdef.png')).status, 404);
});

test('uploads beyond the limits are refused (413) and leave no partial file', async () => {
  const limited = await startHost({
    workstation,
    staticDir: 'renderer',
    port: 0,
    uploadLimits: { fileBytes: 1000, files: 3, bytes: 1500 },
  });
  try {
    const put = (path: string, size: number, chunked = false) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: limited.port,
            path,
            method: 'PUT',
            headers: { Authorization: `Bearer ${limited.token}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        if (!chunked) return req.end(Buffer.alloc(size, 7));
        // no Content-Length: the limit must hold while the bytes stream in
        for (let sent = 0; sent < size; sent += 100) req.write(Buffer.alloc(100, 7));
        req.end();
      });
    const { uploadId } = await workstation.handlers.createUpload({});
    const folder = workstation.library.uploadFolder(uploadId) ?? '';
    assert.equal(await put(`/uploads/${uploadId}/big.dcm`, 1200), 413);
    assert.equal(await put(`/uploads/${uploadId}/streamed.dcm`, 1200, true), 413);
    assert.deepEqual(readdirSync(folder), [], 'nothing of a refused file stays');
    assert.equal(await put(`/uploads/${uploadId}/a.dcm`, 700), 204);
    assert.equal(await put(`/uploads/${uploadId}/b.dcm`, 700, true), 204);
    assert.equal(await put(`/uploads/${uploadId}/c.dcm`, 700), 413, 'the upload is full');
    assert.equal(await put(`/uploads/${uploadId}/c.dcm`, 50), 204);
    assert.equal(await put(`/uploads/${uploadId}/d.dcm`, 10), 413, 'three files at most');
    assert.deepEqual(readdirSync(folder).sort(), ['a.dcm', 'b.dcm', 'c.dcm']);
    await workstation.handlers.cancelJob({ jobId: uploadId });
  } finally {
    await limited.close();
  }
});
