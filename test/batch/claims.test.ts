import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Claims } from '../../src/workstation/batch/claims';
import { Ledger } from '../../src/workstation/batch/ledger';
import { inShard, shardOf } from '../../src/workstation/batch/shard';
import { segUidsFor } from '../../src/workstation/batch/segUids';
import { shellQuote, slurmScript } from '../../src/workstation/batch/slurmScript';

test('a claim is held by one worker at a time and released by its holder only', async () => {
  const out = mkdtempSync(join(tmpdir(), 'claims-'));
  const a = new Claims(out, 'a', 60_000);
  const b = new Claims(out, 'b', 60_000);
  await a.open();
  const held = await a.take('1.2.3');
  assert.ok(held);
  assert.equal(await b.take('1.2.3'), undefined, 'a live claim is not taken');
  const other = await b.take('1.2.4');
  assert.ok(other, 'another series is free');
  await held.release();
  const after = await b.take('1.2.3');
  assert.ok(after, 'a released claim is free');
  await after.release();
  await other.release();
  assert.deepEqual(readdirSync(join(out, 'claims')), []);
});

test('a stale claim is taken over: untouched too long, or its process on this host is gone', async () => {
  const out = mkdtempSync(join(tmpdir(), 'claims-stale-'));
  const claims = new Claims(out, 'new', 5_000);
  await claims.open();
  // a worker on another node that stopped touching its claim 10 s ago
  const far = join(out, 'claims', 'far.claim');
  writeFileSync(far, JSON.stringify({ host: 'node-17', pid: 1, worker: 'old', token: 'x' }));
  assert.equal(await claims.take('far'), undefined, 'fresh: still held');
  const old = new Date(Date.now() - 10_000);
  utimesSync(far, old, old);
  const tookFar = await claims.take('far');
  assert.ok(tookFar, 'stale by age: taken over');
  // a worker on this host whose process was killed: stale at once
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  writeFileSync(
    join(out, 'claims', 'dead.claim'),
    JSON.stringify({ host: hostname(), pid: Number(gone.stdout), worker: 'dead', token: 'y' }),
  );
  assert.ok(await claims.take('dead'), 'its process is gone: taken over');
  // one that is alive here is not
  writeFileSync(
    join(out, 'claims', 'alive.claim'),
    JSON.stringify({ host: hostname(), pid: process.pid, worker: 'me', token: 'z' }),
  );
  assert.equal(await claims.take('alive'), undefined);
  await tookFar.release();
  assert.equal(existsSync(far), false);
});

test('ledger records are whole JSON files, one per series, replaced atomically', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ledger-'));
  const ledger = new Ledger(out);
  await ledger.open();
  const base = {
    source: '/data/a',
    outputs: {},
    model: 'm',
    worker: 'w',
    seconds: 1,
    finishedAt: new Date().toISOString(),
  };
  await ledger.put({ ...base, key: 'a', status: 'failed', reason: 'gap', attempts: 1 });
  await ledger.put({ ...base, key: 'a', status: 'done', attempts: 2 });
  await ledger.put({ ...base, key: 'b', status: 'failed', reason: 'no image', attempts: 1 });
  assert.deepEqual(
    (await ledger.all()).map((r) => [r.key, r.status, r.attempts]),
    [
      ['a', 'done', 2],
      ['b', 'failed', 1],
    ],
  );
  assert.deepEqual(readdirSync(join(out, 'ledger')).sort(), ['a.json', 'b.json']);
});

test('shards split the list the same way whatever order it came in, and cover it once', () => {
  const items = Array.from({ length: 11 }, (_, n) => ({ key: `1.2.${n}` }));
  const shuffled = [...items].reverse();
  const parts = [0, 1, 2].map((index) => inShard(items, { index, count: 3, from: '' }));
  assert.deepEqual(
    parts.map((p) => p.map((i) => i.key)),
    [0, 1, 2].map((index) => inShard(shuffled, { index, count: 3, from: '' }).map((i) => i.key)),
  );
  assert.deepEqual(
    parts
      .flat()
      .map((i) => i.key)
      .sort(),
    items.map((i) => i.key).sort(),
  );
  assert.deepEqual(
    parts.map((p) => p.length),
    [4, 4, 3],
  );
  assert.deepEqual(shardOf('1/3', {}), { index: 1, count: 3, from: '--shard 1/3' });
  const slurm = shardOf(undefined, {
    SLURM_ARRAY_TASK_ID: '6',
    SLURM_ARRAY_TASK_MIN: '5',
    SLURM_ARRAY_TASK_COUNT: '3',
  });
  assert.deepEqual([slurm.index, slurm.count], [1, 3]);
  assert.deepEqual(shardOf(undefined, {}), { index: 0, count: 1, from: 'no shard' });
  assert.throws(() => shardOf('2', {}), /--shard is I\/N/);
  assert.throws(
    () => shardOf(undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '3' }),
    /must be contiguous/,
  );
});

test('a SEG made again of the same series by the same model gets the same UIDs', () => {
  const a = segUidsFor('1.2.3', 'model-hash');
  assert.deepEqual(a, segUidsFor('1.2.3', 'model-hash'));
  assert.notEqual(a.series, segUidsFor('1.2.4', 'model-hash').series);
  assert.notEqual(a.instance, segUidsFor('1.2.3', 'other-model').instance);
  for (const uid of [a.series, a.instance]) {
    assert.match(uid, /^2\.25\.[1-9][0-9]*$/);
    assert.ok(uid.length <= 64);
  }
});

test('the sbatch script holds the array, resources and the quoted command', () => {
  const script = slurmScript({
    tasks: 3,
    partition: 'gpu',
    gpus: 1,
    cpus: 4,
    time: '01:00:00',
    mem: '16G',
    jobName: 'seg',
    logDir: '/scratch/out/slurm',
    cwd: '/home/me/app',
    command: ['/usr/bin/node', 'src/cli/main.ts', 'batch', '--patient', "O'Brien*"],
  });
  for (const line of [
    '#SBATCH --array=0-2',
    '#SBATCH --partition=gpu',
    '#SBATCH --gpus-per-task=1',
    '#SBATCH --cpus-per-task=4',
    '#SBATCH --time=01:00:00',
    '#SBATCH --mem=16G',
    '#SBATCH --output=/scratch/out/slurm/%A_%a.log',
  ])
    assert.ok(script.includes(`${line}\n`), line);
  assert.ok(script.includes(`exec /usr/bin/node src/cli/main.ts batch --patient 'O'\\''Brien*'\n`));
  const echoed = spawnSync('bash', ['-c', `printf %s ${shellQuote("O'Brien* $HOME")}`], {
    encoding: 'utf8',
  });
  assert.equal(echoed.stdout, "O'Brien* $HOME");
});
