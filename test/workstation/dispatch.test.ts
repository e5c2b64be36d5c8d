import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { commandSchemas } from '../../src/api/commands';
import type { ApiEvent } from '../../src/api/events';
import type { Workstation } from '../../src/workstation/Workstation';
import { dispatch, dispatchText } from '../../src/workstation/dispatch';
import { openSampleWorkstation } from '../helpers/workstation';

let workstation: Workstation;
before(async () => {
  workstation = await openSampleWorkstation();
});
after(() => workstation.close());

async function call(command: string, params: unknown, id = 1) {
  const response = await dispatch(workstation, { id, command, params });
  assert.equal(response.id, id);
  if (!response.ok) assert.fail(`${command} failed: ${response.error.message}`);
  return response.result;
}

function nextEvent(type: ApiEvent['type']): Promise<ApiEvent> {
  return new Promise((resolve) => {
    const off = workstation.onEvent((event) => {
      if (event.type === type) {
        off();
        resolve(event);
      }
    });
  });
}

const malformed: [string, unknown, RegExp][] = [
  ['a string', 'hello', /malformed request/],
  ['no id', { command: 'listSeries', params: {} }, /malformed request: id/],
  [
    'an extra field',
    { id: 3, command: 'listSeries', params: {}, admin: true },
    /malformed request/,
  ],
  ['an unknown command', { id: 4, command: 'rm -rf', params: {} }, /unknown command "rm -rf"/],
  [
    'bad params',
    { id: 5, command: 'openSeries', params: { seriesId: 42 } },
    /bad params for openSeries: seriesId/,
  ],
  [
    'unexpected params',
    { id: 6, command: 'listSeries', params: { all: true } },
    /bad params for listSeries/,
  ],
  ['a prototype key', { id: 7, command: '__proto__', params: {} }, /unknown command/],
];

for (const [what, message, expected] of malformed) {
  test(`a request with ${what} gets a bad_request error, not a crash`, async () => {
    const response = await dispatch(workstation, message);
    assert.equal(response.ok, false);
    if (!response.ok) {
      assert.equal(response.error.code, 'bad_request');
      assert.match(response.error.message, expected);
    }
  });
}

test('text that is not JSON is a bad_request too', async () => {
  const response = await dispatchText(workstation, '{not json');
  assert.deepEqual(response, {
    kind: 'response',
    id: null,
    ok: false,
    error: { code: 'bad_request', message: 'malformed request: not JSON' },
  });
});

test('a missing object is not_found with its id named', async () => {
  const response = await dispatch(workstation, {
    id: 9,
    command: 'openSeries',
    params: { seriesId: 'nope' },
  });
  assert.deepEqual(response, {
    kind: 'response',
    id: 9,
    ok: false,
    error: { code: 'not_found', message: 'no series nope' },
  });
});

test('list, open, segment and export the sample through the api; results keep to their schemas', async () => {
  const series = commandSchemas.listSeries.result.parse(await call('listSeries', {}));
  assert.equal(series.length, 1);
  assert.deepEqual(series[0].dimensions, [90, 108, 90]);
  const info = commandSchemas.openSeries.result.parse(
    await call('openSeries', { seriesId: series[0].seriesId }),
  );
  const [model] = commandSchemas.listModels.result.parse(await call('listModels', {}));
  const card = JSON.parse(
    readFileSync('test/fixtures/models/skeleton-threshold/card.json', 'utf8'),
  ) as {
    threshold: number;
  };

  const done = nextEvent('job.done');
  commandSchemas.runModel.result.parse(
    await call('runModel', { volumeId: info.volumeId, modelId: model.modelId }),
  );
  const event = await done;
  assert.equal(event.type, 'job.done');
  if (event.type !== 'job.done') return;
  const labels = workstation.labelmap(event.labelmap.labelmapId);
  const voxels = workstation.volume(info.volumeId).voxels;
  let brain = 0;
  for (let n = 0; n < voxels.length; n++) {
    assert.equal(labels[n], voxels[n] > card.threshold ? 1 : 0);
    brain += labels[n];
  }
  assert.equal(event.labelmap.counts[1], brain);
  assert.ok(brain > 100_000, `a brain has more than 100k voxels at 2 mm, got ${brain}`);

  const dir = mkdtempSync(join(tmpdir(), 'export-'));
  const path = join(dir, 'labels.nii.gz');
  const written = commandSchemas.exportLabelmap.result.parse(
    await call('exportLabelmap', { labelmapId: event.labelmap.labelmapId, path }),
  );
  assert.equal(written.path, path);
  assert.ok(existsSync(path));
  const again = await dispatch(workstation, {
    id: 2,
    command: 'exportLabelmap',
    params: { labelmapId: event.labelmap.labelmapId, path },
  });
  assert.equal(again.ok, false);
  if (!again.ok) assert.match(again.error.message, /already exists/);
  const unwritable = await dispatch(workstation, {
    id: 3,
    command: 'exportLabelmap',
    params: {
      labelmapId: event.labelmap.labelmapId,
      path: join(dir, 'missing-folder', 'x.nii.gz'),
    },
  });
  assert.equal(unwritable.ok, false);
  if (!unwritable.ok) assert.equal(unwritable.error.code, 'io_error');
});

test('getBackendStatus says which backend runs and why the better ones did not', async () => {
  const status = commandSchemas.getBackendStatus.result.parse(await call('getBackendStatus', {}));
  assert.equal(status.backend, 'wasm');
  assert.ok(status.attempts.some((a) => a.name === 'wasm' && a.loaded));
});
