import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orthancUnavailable, runInLoopbackNamespace } from '../helpers/orthanc';

const unavailable = orthancUnavailable();

test(
  'PACS commands (servers, search, retrieve into the library, send the SEG) against a real Orthanc',
  { skip: unavailable ? `skipped: ${unavailable}` : false },
  () => {
    const run = runInLoopbackNamespace('test/workstation/pacsHandlers.scenarios.ts', 240_000);
    console.log(run.output);
    assert.equal(run.status, 0, 'the scenarios above failed');
    assert.match(run.output, /ℹ pass [1-9]/, 'the scenarios ran');
  },
);
