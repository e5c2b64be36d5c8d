import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ledger } from '../../src/workstation/batch/ledger';
import { readSeg } from '../../src/dicom/seg/readSeg';
import { dciodvfy } from '../helpers/dicom3tools';
import { runPythonJson } from '../helpers/python';
import { brainSeries, nonImageSeries, seriesWithGap } from './batchFixtures';
import { cliBatch, cliBatchAsync, closedPort } from './batchCli';

function labelCounts(labels: ArrayLike<number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let n = 0; n < labels.length; n++)
    if (labels[n]) counts[labels[n]] = (counts[labels[n]] ?? 0) + 1;
  return counts;
}

test('cli batch: bad series are named in the ledger, the rest done; a rerun skips what is done', async () => {
  const root = mkdtempSync(join(tmpdir(), 'batch-in-'));
  const out = mkdtempSync(join(tmpdir(), 'batch-out-'));
  const good = brainSeries(join(root, 'good'), 2);
  const gap = seriesWithGap(join(root, 'gap'));
  const nonImage = nonImageSeries(join(root, 'not-an-image'));
  const unreachable = `http://127.0.0.1:${await closedPort()}/dicom-web/studies/1.2.3/series/1.2.3.4`;
  const manifest = join(root, 'manifest.txt');
  // relative folders are relative to the manifest
  writeFileSync(
    manifest,
    [
      '# the series to segment',
      'good/series-0',
      `${good[1].dir}`,
      gap.dir,
      'not-an-image',
      unreachable,
      '',
    ].join('\n'),
  );

  const first = cliBatch(['--manifest', manifest, '--out', out, '--seg', '--nifti']);
  assert.equal(first.status, 1, `some series failed, so the exit code says so:\n${first.stderr}`);
  const summary = first.lines.at(-1)?.summary;
  assert.deepEqual(
    { done: summary?.done, failed: summary?.failed, total: summary?.total },
    { done: 2, failed: 3, total: 5 },
  );

  const records = await new Ledger(out).all();
  assert.equal(records.length, 5, 'one record per series');
  const bySource = new Map(records.map((r) => [r.source, r]));
  assert.match(bySource.get(gap.dir)?.reason ?? '', /missing slice/);
  assert.match(bySource.get(nonImage)?.reason ?? '', /no DICOM image/);
  assert.match(
    bySource.get(unreachable)?.reason ?? '',
    /cannot reach http:\/\/127\.0\.0\.1:\d+\/dicom-web/,
  );
  for (const series of good) {
    const record = bySource.get(series.dir);
    assert.equal(record?.status, 'done', JSON.stringify(record));
    const segPath = record?.outputs.seg ?? '';
    assert.deepEqual(dciodvfy(segPath).errors, [], `${segPath} is a valid Segmentation`);
    // on the series' grid (decodeSeg refuses another), and the same labels as the NIfTI
    const seg = await readSeg(segPath, series.geometry);
    assert.equal(seg.referencedSeriesInstanceUid, series.seriesInstanceUid);
    const nifti = runPythonJson<Record<string, number>>(
      'import sys, json, nibabel as nib, numpy as np; d = np.asarray(nib.load(sys.argv[1]).dataobj); v, c = np.unique(d[d > 0], return_counts=True); print(json.dumps({str(int(a)): int(b) for a, b in zip(v, c)}))',
      [record?.outputs.nifti ?? ''],
    );
    const counts = labelCounts(seg.labelmap);
    assert.ok(Object.keys(counts).length > 0, 'the model labelled something');
    assert.deepEqual(counts, nifti);
  }

  const again = cliBatch(['--manifest', manifest, '--out', out, '--seg', '--nifti']);
  assert.equal(again.status, 1);
  const second = again.lines.at(-1)?.summary;
  assert.deepEqual(
    { done: second?.done, skipped: second?.skipped, failed: second?.failed },
    { done: 0, skipped: 2, failed: 3 },
  );
  const retried = await new Ledger(out).get(bySource.get(gap.dir)?.key ?? '');
  assert.equal(retried?.attempts, 2, 'a failed series is tried again and counted');
});

test('cli batch: a bad command line is exit 2 with the reason', () => {
  const out = mkdtempSync(join(tmpdir(), 'batch-usage-'));
  const none = cliBatch(['--out', out]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give a source/);
  const shard = cliBatch(['--folder', out, '--out', out, '--shard', '3/3']);
  assert.equal(shard.status, 2);
  assert.match(shard.stderr, /--shard 3\/3: I runs from 0 to N-1/);
});

test('two workers on the same list, no shards: each series is segmented once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'batch-two-'));
  const out = mkdtempSync(join(tmpdir(), 'batch-two-out-'));
  brainSeries(root, 4);
  const args = ['--folder', root, '--out', out];
  const [a, b] = await Promise.all([cliBatchAsync(args), cliBatchAsync(args)]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const [sa, sb] = [a.lines.at(-1)?.summary, b.lines.at(-1)?.summary];
  assert.equal((sa?.done ?? 0) + (sb?.done ?? 0), 4, 'four series, each done by one worker');
  const records = await new Ledger(out).all();
  assert.equal(records.length, 4);
  for (const r of records) assert.equal(r.attempts, 1, `${r.source} was processed once`);
});
