import type { BatchItem } from './BatchItem';
import { Claims } from './claims';
import { Ledger } from './ledger';
import type { LedgerRecord } from './ledger';
import { segmentSeries } from './segmentSeries';
import type { SeriesJob } from './segmentSeries';
import { inShard } from './shard';
import type { Shard } from './shard';
import { errorMessage } from '../../errors/errorMessage';

/** What a batch tells its caller as it goes (the CLI prints it as a bar or JSON lines). */
export type BatchEvent =
  | { type: 'start'; total: number; inShard: number; shard: Shard }
  | { type: 'series-progress'; key: string; phase: string; done: number; total: number }
  | {
      type: 'series';
      key: string;
      source: string;
      status: 'done' | 'failed' | 'skipped' | 'busy';
      reason?: string;
      seconds?: number;
      index: number;
      of: number;
    };

export interface BatchSummary {
  /** series in this worker's shard */
  total: number;
  /** segmented by this run */
  done: number;
  /** done by an earlier run (the ledger says so) */
  skipped: number;
  failed: number;
  /** claimed by another live worker */
  busy: number;
  cancelled: boolean;
  failures: { key: string; source: string; reason: string }[];
}

export interface BatchRun extends Omit<SeriesJob, 'signal' | 'onProgress'> {
  items: BatchItem[];
  shard: Shard;
  /** a claim untouched this long is taken over (its worker died) */
  claimStaleMs: number;
  /** names this worker in claims and ledger records */
  worker: string;
  signal: AbortSignal;
  report(event: BatchEvent): void;
}

/**
 * Segments this worker's shard of the list, one series at a time: series the ledger says are
 * done are skipped, failed ones are tried again, each is claimed before it is touched and gets
 * one atomic ledger record after. A series that fails is recorded with its reason and the batch
 * goes on; a cancel (Ctrl-C, scancel's SIGTERM) stops after releasing the current claim,
 * writing no record for the series it interrupted.
 */
export async function runBatch(run: BatchRun): Promise<BatchSummary> {
  const ledger = new Ledger(run.outDir);
  const claims = new Claims(run.outDir, run.worker, run.claimStaleMs);
  await Promise.all([ledger.open(), claims.open()]);
  const unique = [...new Map(run.items.map((i) => [i.key, i])).values()];
  const mine = inShard(unique, run.shard);
  run.report({ type: 'start', total: unique.length, inShard: mine.length, shard: run.shard });
  const summary: BatchSummary = {
    total: mine.length,
    done: 0,
    skipped: 0,
    failed: 0,
    busy: 0,
    cancelled: false,
    failures: [],
  };
  for (const [n, item] of mine.entries()) {
    if (run.signal.aborted) break;
    const told = { key: item.key, source: item.source, index: n + 1, of: mine.length };
    if ((await ledger.get(item.key))?.status === 'done') {
      summary.skipped++;
      run.report({ type: 'series', ...told, status: 'skipped' });
      continue;
    }
    const claim = await claims.take(item.key);
    if (!claim) {
      summary.busy++;
      run.report({ type: 'series', ...told, status: 'busy' });
      continue;
    }
    try {
      // looked at again under the claim: another worker may have finished it meanwhile
      const before = await ledger.get(item.key);
      if (before?.status === 'done') {
        summary.skipped++;
        run.report({ type: 'series', ...told, status: 'skipped' });
        continue;
      }
      const started = Date.now();
      const record = (fields: Pick<LedgerRecord, 'status' | 'outputs' | 'reason'>) => ({
        key: item.key,
        source: item.source,
        ...fields,
        model: run.model.id,
        worker: run.worker,
        attempts: (before?.attempts ?? 0) + 1,
        seconds: (Date.now() - started) / 1000,
        finishedAt: new Date().toISOString(),
      });
      try {
        const outputs = await segmentSeries(item, {
          ...run,
          onProgress: (phase, done, total) =>
            run.report({ type: 'series-progress', key: item.key, phase, done, total }),
        });
        const done = record({ status: 'done', outputs });
        await ledger.put(done);
        summary.done++;
        run.report({ type: 'series', ...told, status: 'done', seconds: done.seconds });
      } catch (error) {
        if (run.signal.aborted) break;
        const reason = errorMessage(error);
        const failed = record({ status: 'failed', outputs: {}, reason });
        await ledger.put(failed);
        summary.failed++;
        summary.failures.push({ key: item.key, source: item.source, reason });
        run.report({ type: 'series', ...told, status: 'failed', reason, seconds: failed.seconds });
      }
    } finally {
      await claim.release();
    }
  }
  summary.cancelled = run.signal.aborted;
  return summary;
}
