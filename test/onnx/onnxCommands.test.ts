import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { commandSchemas } from '../../src/api/commands';
import type { ApiEvent } from '../../src/api/events';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';
import type { Workstation } from '../../src/workstation/Workstation';

let workstation: Workstation;
const work = mkdtempSync(join(tmpdir(), 'onnx-commands-'));

before(async () => {
  workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'test/fixtures/onnx-models'),
    version: 'test',
    backends: 'wasm',
    dataDir: join(work, 'data'),
  });
});
after(() => workstation.close());

async function call(command: string, params: unknown) {
  const response = await dispatch(workstation, { id: 1, command, params });
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result as Record<string, unknown>;
}

async function labelsOf(volumeId: string, modelId: string): Promise<number[]> {
  const done = new Promise<ApiEvent>((resolve) => {
    const off = workstation.onEvent((event) => {
      if (event.type === 'job.done' || event.type === 'job.failed') {
        off();
        resolve(event);
      }
    });
  });
  await call('runModel', { volumeId, modelId });
  const event = await done;
  assert.equal(event.type, 'job.done', JSON.stringify(event));
  return event.type === 'job.done' ? event.labelmap.counts : [];
}

test('export a model as .onnx, import it back, run both: the status names ONNX Runtime', async () => {
  const status = commandSchemas.getBackendStatus.result.parse(await call('getBackendStatus', {}));
  assert.equal(status.backend, 'wasm');
  assert.equal(status.inference?.backend, 'onnxruntime-cpu');

  const path = join(work, 'exported', 'tiny.onnx');
  const exported = await call('exportModelOnnx', { modelId: 'tiny-acs', path });
  assert.equal(exported.onnxPath, path);
  assert.ok(existsSync(path) && existsSync(join(work, 'exported', 'tiny.model.json')));
  await assert.rejects(
    call('exportModelOnnx', { modelId: 'tiny-acs', path }),
    /io_error|exists already/,
  );

  const imported = await call('importOnnxModel', { path });
  assert.equal(imported.name, 'Tiny ACS (test)');
  const models = (await call('listModels', {})) as unknown as { modelId: string }[];
  assert.equal(models.length, 2);

  const [series] = (await call('listSeries', {})) as unknown as { seriesId: string }[];
  const volume = await call('openSeries', { seriesId: series.seriesId });
  const original = await labelsOf(volume.volumeId as string, 'tiny-acs');
  const again = await labelsOf(volume.volumeId as string, imported.modelId as string);
  assert.deepEqual(again, original);
  assert.ok(original[0] > 0 && original[1] > 0, `counts ${original.join(', ')}`);
});

test('importing a foreign file is an invalid_input error naming it', async () => {
  const path = join(work, 'notes.onnx');
  writeFileSync(path, 'these are notes, not a graph\n'.repeat(20));
  writeFileSync(join(work, 'notes.model.json'), '{"format": "something else"}');
  await assert.rejects(
    call('importOnnxModel', { path }),
    /invalid_input: .*notes\.model\.json is not a valid model card/,
  );
  writeFileSync(join(work, 'bad.onnx'), 'these are notes, not a graph\n'.repeat(20));
  await assert.rejects(
    call('importOnnxModel', {
      path: join(work, 'bad.onnx'),
      cardPath: join(work, 'exported', 'tiny.model.json'),
    }),
    /invalid_input: .*bad\.onnx: not an ONNX model/,
  );
});

test('cli export-onnx writes the graph and its card; bad usage exits 2', () => {
  const out = join(work, 'cli', 'tiny.onnx');
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'export-onnx', ...args], {
      encoding: 'utf8',
    });
  const ok = cli(['--models', 'test/fixtures/onnx-models', '--model', 'tiny-acs', '--out', out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /wrote .*tiny\.onnx .* and .*tiny\.model\.json/);
  const missing = cli(['--models', 'test/fixtures/onnx-models', '--model', 'nope', '--out', out]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no model "nope" .*there: tiny-acs/);
  const again = cli(['--models', 'test/fixtures/onnx-models', '--model', 'tiny-acs', '--out', out]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists already/);
});
