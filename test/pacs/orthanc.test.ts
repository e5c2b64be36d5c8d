import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orthancUnavailable, runInLoopbackNamespace } from '../helpers/orthanc';

const unavailable = orthancUnavailable();

test(
  'DICOMweb round trip and failures against a real Orthanc, in a loopback-only namespace',
  { skip: unavailable ? `skipped: ${unavailable}` : false },
  () => {
    const run = runInLoopbackNamespace('test/pacs/orthanc.scenarios.ts', 150_000);
    console.log(run.output);
    assert.equal(run.status, 0, 'the scenarios above failed');
    assert.match(run.output, /ℹ pass [1-9]/, 'the scenarios ran');
  },
);
