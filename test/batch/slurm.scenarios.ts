// `cli batch` as a Slurm job array against a real Orthanc, on a real single-node Slurm cluster.
// Run by slurm.test.ts inside a loopback-only network namespace; not a .test.ts itself.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Ledger } from '../../src/workstation/batch/ledger';
import { inShard } from '../../src/workstation/batch/shard';
import { decodeSeg } from '../../src/dicom/seg/decodeSeg';
import { DicomWebClient } from '../../src/pacs/DicomWebClient';
import { dciodvfy } from '../helpers/dicom3tools';
import type { SeriesFixture } from '../helpers/dicomSeries';
import { startOrthanc, uploadToOrthanc } from '../helpers/orthanc';
import type { Orthanc } from '../helpers/orthanc';
import { brainSeries } from './batchFixtures';
import { cliBatch } from './batchCli';
import { startSlurm } from './slurmCluster';
import type { SlurmCluster } from './slurmCluster';

const USERS = { batch: 'archive-sweep-7' };
const work = mkdtempSync(join(tmpdir(), 'slurm-batch-'));
const out = join(work, 'out');
const script = join(work, 'segment.sbatch');
let orthanc: Orthanc;
let slurm: SlurmCluster;
let client: DicomWebClient;
let series: SeriesFixture[];

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms / 1000} s`);
    await sleep(100);
  }
}

function queued(job: string): boolean {
  return slurm.run('squeue', ['-h', '-j', job]).trim() !== '';
}

function taskLog(job: string, task: number): string {
  const path = join(out, 'slurm', `${job}_${task}.log`);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The SEG series of a study on the server, and their instances. */
async function segsOf(s: SeriesFixture) {
  const found = await client.searchSeries(s.studyInstanceUid, { Modality: 'SEG' });
  return Promise.all(
    found.map(async (seg) => ({
      seg,
      instances: await client.searchInstances(s.studyInstanceUid, seg.seriesInstanceUid),
    })),
  );
}

before(async () => {
  orthanc = await startOrthanc(USERS);
  client = new DicomWebClient({
    url: orthanc.dicomWeb,
    auth: { kind: 'basic', username: 'batch', password: USERS.batch },
  });
  series = brainSeries(join(work, 'in'), 6);
  for (const s of series)
    await uploadToOrthanc(
      orthanc,
      readdirSync(s.dir).map((f) => readFileSync(join(s.dir, f))),
    );
  slurm = startSlurm();
});

after(async () => {
  slurm?.stop();
  await orthanc?.stop();
});

test('a 3-task Slurm array segments 6 series; one task cancelled halfway and resubmitted: one SEG each', async () => {
  const passwordFile = join(work, 'password');
  writeFileSync(passwordFile, `${USERS.batch}\n`, { mode: 0o600 });
  const written = cliBatch([
    '--url',
    orthanc.dicomWeb,
    '--modality',
    'MR',
    '--user',
    'batch',
    '--password-file',
    passwordFile,
    '--store',
    '--out',
    out,
    '--claim-timeout',
    '30',
    '--slurm-script',
    script,
    '--tasks',
    '3',
    '--time',
    '00:10:00',
    '--mem',
    '1G',
  ]);
  assert.equal(written.status, 0, written.stderr);
  const text = readFileSync(script, 'utf8');
  assert.match(text, /^#SBATCH --array=0-2$/m);
  assert.doesNotMatch(text, new RegExp(USERS.batch), 'no password in the script');
  const exec = text.split('\n').find((l) => l.startsWith('exec ')) ?? '';
  assert.match(exec, / batch .*--store/);
  assert.doesNotMatch(exec, /--slurm-script|--tasks/, 'the tasks run the batch, not the script');

  // the series task 1 does, in its order: the same split the tasks make
  const keys = series.map((s) => ({ key: s.seriesInstanceUid }));
  const [first, second] = inShard(keys, { index: 1, count: 3, from: '' }).map((k) => k.key);
  const ledger = new Ledger(out);
  const claim = join(out, 'claims', `${second}.claim`);

  const started = Date.now();
  const job = slurm.run('sbatch', ['--parsable', script]).trim();
  // halfway: task 1 has done its first series and holds the claim on its second
  await until(
    `task 1 of job ${job} did not reach its second series`,
    async () => (await ledger.get(first))?.status === 'done' && existsSync(claim),
    150_000,
  );
  slurm.run('scancel', [`${job}_1`]);
  const cancelled = Date.now();
  await until(`job ${job} did not end`, () => !queued(job), 120_000);
  const ended = Date.now();
  assert.equal(await ledger.get(second), undefined, 'the cancelled series has no record');
  assert.equal(existsSync(claim), false, 'the cancelled task released its claim (SIGTERM)');
  assert.match(taskLog(job, 1), /SIGTERM: stopping/);
  const afterCancel = await ledger.all();
  assert.equal(afterCancel.filter((r) => r.status === 'done').length, 5, taskLog(job, 0));

  const again = slurm.run('sbatch', ['--parsable', script]).trim();
  await until(`job ${again} did not end`, () => !queued(again), 150_000);
  console.log(
    `first array: cancel at ${(cancelled - started) / 1000} s, ended at ${(ended - started) / 1000} s; resubmitted array: ${(Date.now() - ended) / 1000} s`,
  );
  assert.match(taskLog(again, 1), /"summary":\{"total":2,"done":1,"skipped":1,"failed":0/);
  for (const task of [0, 2]) assert.match(taskLog(again, task), /"done":0,"skipped":2,"failed":0/);

  const records = await ledger.all();
  assert.equal(records.length, 6);
  for (const s of series) {
    const record = records.find((r) => r.key === s.seriesInstanceUid);
    assert.equal(record?.status, 'done', JSON.stringify(record));
    const segs = await segsOf(s);
    assert.equal(segs.length, 1, `one SEG series in study ${s.studyInstanceUid}`);
    assert.equal(segs[0].instances.length, 1, 'one SEG instance');
    const { sopInstanceUid } = segs[0].instances[0];
    assert.equal(record?.outputs.stored?.sopInstanceUid, sopInstanceUid);
    const bytes = await client.retrieveInstance(
      s.studyInstanceUid,
      segs[0].seg.seriesInstanceUid,
      sopInstanceUid,
    );
    const file = join(work, `${sopInstanceUid}.dcm`);
    writeFileSync(file, bytes);
    assert.deepEqual(dciodvfy(file).errors, [], `${file} is a valid Segmentation`);
    const decoded = decodeSeg(bytes, s.geometry);
    assert.equal(decoded.referencedSeriesInstanceUid, s.seriesInstanceUid);
    assert.ok(decoded.labelmap.some((v) => v > 0));
  }
  const retried = records.find((r) => r.key === second);
  assert.match(
    retried?.worker ?? '',
    new RegExp(`slurm ${again}_1$`),
    'the resubmitted task did it',
  );
});

test('run again by hand: done series are skipped, and one whose record was lost is not stored twice', async () => {
  // as if a worker had been killed between its STOW-RS and its ledger record
  const lost = series[0].seriesInstanceUid;
  rmSync(join(out, 'ledger', `${lost}.json`));
  const rerun = cliBatch([
    '--url',
    orthanc.dicomWeb,
    '--modality',
    'MR',
    '--user',
    'batch',
    '--password-file',
    join(work, 'password'),
    '--store',
    '--out',
    out,
  ]);
  assert.equal(rerun.status, 0, rerun.stderr);
  const summary = rerun.lines.at(-1)?.summary;
  assert.deepEqual({ done: summary?.done, skipped: summary?.skipped }, { done: 1, skipped: 5 });
  const record = await new Ledger(out).get(lost);
  assert.equal(record?.status, 'done');
  assert.equal(record?.outputs.stored?.new, false, 'the server held this SEG already');
  for (const s of series) {
    const segs = await segsOf(s);
    assert.equal(segs.length, 1);
    assert.equal(segs[0].instances.length, 1);
  }
});
