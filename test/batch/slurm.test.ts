import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orthancUnavailable, runInLoopbackNamespace } from '../helpers/orthanc';
import { slurmUnavailable } from './slurmCluster';

const unavailable = orthancUnavailable() ?? slurmUnavailable();

test(
  'cli batch as a Slurm job array against a real Orthanc, in a loopback-only namespace',
  { skip: unavailable ? `skipped: ${unavailable}` : false },
  () => {
    const run = runInLoopbackNamespace('test/batch/slurm.scenarios.ts', 280_000, { slurm: true });
    console.log(run.output);
    assert.equal(run.status, 0, 'the scenarios above failed');
    assert.match(run.output, /ℹ pass [1-9]/, 'the scenarios ran');
  },
);
