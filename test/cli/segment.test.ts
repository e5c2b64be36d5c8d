import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPythonJson } from '../helpers/python';

const dataHome = mkdtempSync(join(tmpdir(), 'cli-data-'));

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', ...args, '--models', 'test/fixtures/models'],
    {
      encoding: 'utf8',
      env: { ...process.env, WORKSTATION_TF_BACKENDS: 'wasm,cpu', WORKSTATION_DATA: dataHome },
    },
  );
}

test('cli segment writes the labelmap and reports progress as JSON lines when piped', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'cli-')), 'labels.nii.gz');
  const run = cli('segment', 'assets/sample', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const events = run.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map(
      (l) => JSON.parse(l) as { event: string; done?: number; total?: number; counts?: number[] },
    );
  const progress = events.filter((e) => e.event === 'progress');
  assert.ok(progress.length > 1);
  assert.equal(progress.at(-1)?.done, progress.at(-1)?.total);
  const counts = events.at(-1)?.counts ?? [];
  const nib = runPythonJson<{ shape: number[]; ones: number }>(
    'import sys, json, nibabel as nib, numpy as np; d = np.asarray(nib.load(sys.argv[1]).dataobj); print(json.dumps({"shape": list(d.shape), "ones": int((d == 1).sum())}))',
    [out],
  );
  assert.deepEqual(nib.shape, [90, 108, 90]);
  assert.equal(nib.ones, counts[1]);
});

test('cli exit codes mean something: usage 2, failure 1 with the cause', () => {
  assert.equal(cli('segment', 'assets/sample').status, 2);
  assert.equal(cli('no-such-command').status, 2);
  const empty = mkdtempSync(join(tmpdir(), 'cli-empty-'));
  const failed = cli('segment', empty, '--out', join(empty, 'x.nii.gz'));
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /no DICOM image found/);
});
