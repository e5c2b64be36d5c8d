// Frames a client may send that ws refuses, or that are too large: each ends only that client's
// socket (or gets a typed error), and the host goes on answering every other client at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { MAX_FRAME_BYTES, MAX_REQUEST_BYTES } from '../../src/host/apiSocket';
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

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, {
      headers: { Authorization: `Bearer ${host.token}` },
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ id: number | null; ok: boolean; error?: unknown }> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** A request from a second client, answered within the time allowed. */
async function otherClientAnswers(): Promise<number> {
  const ws = await openSocket();
  const started = performance.now();
  const reply = nextMessage(ws);
  ws.send(JSON.stringify({ id: 7, command: 'getAppInfo', params: {} }));
  const answer = await reply;
  const elapsed = performance.now() - started;
  ws.close();
  assert.equal(answer.ok, true);
  return elapsed;
}

test('a text frame that is not UTF-8 closes that socket with 1007; the host serves on', async () => {
  const bad = await openSocket();
  bad.on('error', () => undefined);
  const code = closed(bad);
  bad.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.equal(await code, 1007);
  assert.ok((await otherClientAnswers()) < 200);
});

test('a frame over the hard limit closes that socket with 1009; the host serves on', async () => {
  const bad = await openSocket();
  bad.on('error', () => undefined);
  const code = closed(bad);
  bad.send('x'.repeat(MAX_FRAME_BYTES + 1));
  assert.equal(await code, 1009);
  assert.ok((await otherClientAnswers()) < 200);
});

test('a request over 1 MiB gets a typed error and the socket keeps working', async () => {
  const ws = await openSocket();
  let reply = nextMessage(ws);
  ws.send(
    JSON.stringify({
      id: 1,
      command: 'listSeries',
      params: { pad: 'x'.repeat(MAX_REQUEST_BYTES) },
    }),
  );
  const refused = await reply;
  assert.equal(refused.ok, false);
  assert.match(JSON.stringify(refused.error), /"code":"bad_request".*over the limit of 1048576/);
  reply = nextMessage(ws);
  ws.send(JSON.stringify({ id: 2, command: 'listSeries', params: {} }));
  assert.deepEqual([(await reply).id, (await reply).ok], [2, true]);
  ws.close();
});
