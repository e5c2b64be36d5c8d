import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
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

function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: host.port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

function openSocket(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('the host listens on 127.0.0.1 only', () => {
  assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
});

test('a request without the token is refused; the token in the query sets an HttpOnly cookie', async () => {
  assert.equal((await get('/index.html')).status, 401);
  assert.equal((await get('/index.html?token=wrong')).status, 401);
  const ok = await get(`/index.html?token=${host.token}`);
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  assert.match(
    String(ok.headers['content-security-policy']),
    /script-src 'self' 'wasm-unsafe-eval'/,
  );
  assert.equal(
    (await get('/index.html', { Cookie: `workstation_token=${host.token}` })).status,
    200,
  );
  assert.equal((await get('/index.html', { Authorization: `Bearer ${host.token}` })).status, 200);
});

test('a foreign Host header (DNS rebinding) is refused even with the token', async () => {
  const response = await get(`/index.html?token=${host.token}`, {
    Host: `evil.example:${host.port}`,
  });
  assert.equal(response.status, 403);
});

test('files outside the renderer folder are not served', async () => {
  const response = await get('/..%2Fpackage.json', { Authorization: `Bearer ${host.token}` });
  assert.equal(response.status, 404);
});

test('a WebSocket without the token is refused', async () => {
  await assert.rejects(openSocket({}), /401/);
});

test('over the socket, a malformed message gets a typed error and the socket keeps working', async () => {
  const ws = await openSocket({ Authorization: `Bearer ${host.token}` });
  const replies: unknown[] = [];
  const next = () =>
    new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
  let reply = next();
  ws.send('{"id": "x"');
  replies.push(await reply);
  reply = next();
  ws.send(JSON.stringify({ id: 2, command: 'listSeries', params: {} }));
  replies.push(await reply);
  ws.close();
  assert.deepEqual(replies[0], {
    kind: 'response',
    id: null,
    ok: false,
    error: { code: 'bad_request', message: 'malformed request: not JSON' },
  });
  assert.equal((replies[1] as { ok: boolean }).ok, true);
});

test('volume voxels come as binary HTTP, typed as the api says', async () => {
  const [series] = await workstation.handlers.listSeries({});
  const info = await workstation.handlers.openSeries({ seriesId: series.seriesId });
  const response = await get(`/voxels/volume/${info.volumeId}`, {
    Authorization: `Bearer ${host.token}`,
  });
  assert.equal(response.status, 200);
  assert.equal(info.voxelType, 'int16');
  assert.equal(response.body.byteLength, 90 * 108 * 90 * 2);
  assert.equal((await get(`/voxels/volume/${info.volumeId}`)).status, 401);
  assert.equal(
    (await get('/voxels/labelmap/none', { Authorization: `Bearer ${host.token}` })).status,
    404,
  );
});
