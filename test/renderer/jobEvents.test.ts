import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiEvent } from '../../src/api';
import { JobEvents } from '../../renderer/api/JobEvents';

/** A transport that delivers whatever the test emits, as the WebSocket or IPC api would. */
function transport() {
  const listeners: ((event: ApiEvent) => void)[] = [];
  return {
    onEvent(listener: (event: ApiEvent) => void) {
      listeners.push(listener);
      return () => undefined;
    },
    emit(event: ApiEvent) {
      for (const listener of listeners) listener(event);
    },
  };
}

const importDone = (jobId: string): ApiEvent => ({
  type: 'import.done',
  jobId,
  imported: [],
  existing: [],
  files: 1,
  skipped: 0,
  errors: [{ path: 'readme.txt', problem: 'not-dicom', message: 'readme.txt: not a DICOM file' }],
});

test('a job that ends before its id is known: its events are replayed in order on follow', () => {
  const api = transport();
  const jobs = new JobEvents(api);
  // the host sends the job's progress and end before the reply that names the job
  api.emit({
    type: 'job.progress',
    jobId: 'j1',
    phase: 'scan',
    done: 1,
    total: 1,
    etaSeconds: null,
  });
  api.emit(importDone('j1'));
  const seen: string[] = [];
  jobs.follow('j1', (event) => seen.push(event.type));
  assert.deepEqual(seen, ['job.progress', 'import.done']);
});

test('live events after follow, only the followed job, nothing after the terminal event', () => {
  const api = transport();
  const jobs = new JobEvents(api);
  const seen: string[] = [];
  jobs.follow('a', (event) => seen.push(`${event.jobId}:${event.type}`));
  api.emit({ type: 'job.progress', jobId: 'b', phase: 'x', done: 0, total: 2, etaSeconds: null });
  api.emit({ type: 'job.progress', jobId: 'a', phase: 'x', done: 1, total: 2, etaSeconds: null });
  api.emit({ type: 'job.cancelled', jobId: 'a' });
  api.emit({ type: 'job.cancelled', jobId: 'a' });
  assert.deepEqual(seen, ['a:job.progress', 'a:job.cancelled']);
});

test('every job kind ends its follow: training, compare, retrieve, segment, failure', () => {
  const api = transport();
  const jobs = new JobEvents(api);
  const ends: ApiEvent[] = [
    { type: 'job.failed', jobId: 'f', error: { code: 'invalid_input', message: 'bad' } },
    {
      type: 'pacs.retrieved',
      jobId: 'p',
      seriesIds: ['s'],
      seriesInstanceUid: '1.2',
      instances: 3,
      resumed: 0,
    },
  ];
  for (const end of ends) api.emit(end);
  for (const end of ends) {
    let count = 0;
    jobs.follow(end.jobId, () => count++);
    api.emit({
      type: 'job.progress',
      jobId: end.jobId,
      phase: 'x',
      done: 0,
      total: 1,
      etaSeconds: null,
    });
    // the kept terminal event arrives; the later progress goes to the unclaimed store, not here
    assert.equal(count, 1, end.type);
  }
});

test('memory stays bounded: progress of a job nobody follows is capped, old jobs are dropped', () => {
  const api = transport();
  const jobs = new JobEvents(api);
  for (let i = 0; i < 10_000; i++)
    api.emit({
      type: 'job.progress',
      jobId: 'busy',
      phase: 'x',
      done: i,
      total: 10_000,
      etaSeconds: null,
    });
  api.emit(importDone('busy'));
  const kept: ApiEvent[] = [];
  jobs.follow('busy', (event) => kept.push(event));
  assert.ok(kept.length <= 256, `${kept.length} events kept`);
  // the end survives the cap, and the newest progress before it
  assert.equal(kept.at(-1)?.type, 'import.done');
  const lastProgress = kept.at(-2);
  assert.ok(lastProgress?.type === 'job.progress' && lastProgress.done === 9_999);
  for (let i = 0; i < 100; i++) api.emit(importDone(`old-${i}`));
  let oldest = 0;
  jobs.follow('old-0', () => oldest++);
  let newest = 0;
  jobs.follow('old-99', () => newest++);
  assert.equal(oldest, 0);
  assert.equal(newest, 1);
});
