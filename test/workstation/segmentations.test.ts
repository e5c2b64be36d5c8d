import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Host } from '../../src/host/startHost';
import { startHost } from '../../src/host/startHost';
import { SegmentationStore } from '../../src/workstation/segmentations/SegmentationStore';
import type { Workstation } from '../../src/workstation/Workstation';
import { dispatch } from '../../src/workstation/dispatch';
import { createWorkstation } from '../../src/workstation/createWorkstation';

const segments = [
  {
    index: 1,
    label: 'Liver',
    color: [200, 40, 40] as [number, number, number],
    visible: true,
    locked: false,
  },
];

test('the store saves, lists, loads and deletes; older revisions are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-store-'));
  try {
    const store = new SegmentationStore(dir);
    const labels = new Uint8Array(1000);
    labels.fill(1, 100, 250);
    const saved = await store.save({
      seriesId: '1.2.3',
      segmentationId: 'manual-a',
      name: 'Mine',
      segments,
      revision: 1,
      labels,
    });
    assert.equal(saved.labelledVoxels, 150);
    assert.deepEqual(
      (await store.list('1.2.3')).map((s) => s.segmentationId),
      ['manual-a'],
    );
    assert.deepEqual(await store.list('9.9'), []);
    const loaded = await store.load('1.2.3', 'manual-a');
    assert.deepEqual(loaded.labels, labels);
    assert.deepEqual(loaded.segmentation.segments, segments);

    labels.fill(0, 100, 200);
    await store.save({
      seriesId: '1.2.3',
      segmentationId: 'manual-a',
      name: 'Mine',
      segments,
      revision: 2,
      labels,
    });
    // one labels file per segmentation: the older one is gone once the record names the new one
    const files = readdirSync(join(dir, 'segmentations', '1.2.3')).sort();
    assert.deepEqual(files, ['manual-a.json', 'manual-a.r2.labels.gz']);
    await assert.rejects(
      store.save({
        seriesId: '1.2.3',
        segmentationId: 'manual-a',
        name: 'Old',
        segments,
        revision: 1,
        labels,
      }),
      /older than the saved 2/,
    );
    assert.equal((await store.load('1.2.3', 'manual-a')).segmentation.labelledVoxels, 50);

    // A crash mid-write leaves a .partial beside the files: it is never read as a record.
    writeFileSync(join(dir, 'segmentations', '1.2.3', '.manual-b.json.abc.partial'), '{"trunc');
    assert.equal((await store.list('1.2.3')).length, 1);
    // A damaged labels file is reported, never handed out.
    writeFileSync(join(dir, 'segmentations', '1.2.3', 'manual-a.r2.labels.gz'), 'garbage');
    await assert.rejects(store.load('1.2.3', 'manual-a'), /cannot be read|damaged/);

    assert.equal(await store.remove('1.2.3', 'manual-a'), true);
    assert.deepEqual(
      readdirSync(join(dir, 'segmentations', '1.2.3')).filter((name) => !name.startsWith('.')),
      [],
    );
    assert.equal(await store.remove('1.2.3', 'manual-a'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let workstation: Workstation;
let host: Host;
let dataDir: string;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'seg-host-'));
  workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'assets/models'),
    version: 'test',
    backends: 'wasm,cpu',
    dataDir: dataDir,
  });
  host = await startHost({ workstation, staticDir: 'renderer', port: 0 });
});
after(async () => {
  await host.close();
  await workstation.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function put(path: string, body: Uint8Array, token: string | null) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const req = request(
      { host: '127.0.0.1', port: host.port, path, method: 'PUT', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function call(command: string, params: unknown) {
  const response = await dispatch(workstation, { id: 1, command, params });
  if (!response.ok) throw new Error(`${command}: ${response.error.message}`);
  return response.result as Record<string, unknown>;
}

test('an uploaded labelmap is validated, saved through the api and loads back', async () => {
  const [series] = (await call('listSeries', {})) as unknown as { seriesId: string }[];
  assert.ok(series);
  const info = (await call('openSeries', { seriesId: series.seriesId })) as {
    volumeId: string;
    geometry: { dimensions: [number, number, number] };
  };
  const count = info.geometry.dimensions.reduce((a, b) => a * b, 1);
  const labels = new Uint8Array(count);
  labels.fill(1, 5000, 9000);
  const path = `/voxels/labelmap/edit-test?volumeId=${info.volumeId}`;

  assert.equal((await put(path, labels, null)).status, 401);
  const short = await put(path, labels.subarray(1), host.token);
  assert.equal(short.status, 400);
  assert.match(short.text, /voxels/);
  const long = await put(path, new Uint8Array(count + 10), host.token);
  assert.equal(long.status, 400);
  assert.equal((await put(`/voxels/labelmap/x?volumeId=nope`, labels, host.token)).status, 404);
  assert.equal((await put(path, labels, host.token)).status, 204);

  const saved = await call('saveSegmentation', {
    seriesId: series.seriesId,
    segmentationId: 'manual-1',
    labelmapId: 'edit-test',
    name: 'Test',
    segments,
    revision: 1,
  });
  assert.equal(saved.labelledVoxels, 4000);
  const listed = (await call('listSegmentations', {
    seriesId: series.seriesId,
  })) as unknown as unknown[];
  assert.equal(listed.length, 1);
  const loaded = await call('loadSegmentation', {
    seriesId: series.seriesId,
    segmentationId: 'manual-1',
    volumeId: info.volumeId,
  });
  assert.deepEqual(workstation.labelmap(String(loaded.labelmapId)), labels);
  const refused = await dispatch(workstation, {
    id: 2,
    command: 'saveSegmentation',
    params: {
      seriesId: series.seriesId,
      segmentationId: '../escape',
      labelmapId: 'edit-test',
      name: '',
      segments,
      revision: 2,
    },
  });
  assert.equal(refused.ok, false);
  assert.deepEqual(
    await call('deleteSegmentation', { seriesId: series.seriesId, segmentationId: 'manual-1' }),
    { deleted: true },
  );
});
