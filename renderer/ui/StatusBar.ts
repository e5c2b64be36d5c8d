import { cache } from '@cornerstonejs/core';
import { byTestId, formatBytes } from './dom';

const EVERY_MS = 2_000;

/** The body's state attributes of each kind of job, and how the status bar names it. */
const JOB_KINDS = [
  { attribute: 'data-job-state', key: 'jobState', name: 'segmentation' },
  { attribute: 'data-training-state', key: 'trainingState', name: 'training' },
  { attribute: 'data-compare-state', key: 'compareState', name: 'compare' },
] as const;

/**
 * The status bar's jobs and memory: the jobs that run (segmentation, training, compare: from the
 * body's state attributes; a segmentation with its progress text), the page's JavaScript heap
 * where Chromium tells it, and Cornerstone's volume cache.
 */
export class StatusBar {
  private readonly jobs = byTestId('jobs-status');
  private readonly memory = byTestId('memory-status');

  constructor() {
    const observer = new MutationObserver(() => this.showJobs());
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: JOB_KINDS.map((kind) => kind.attribute),
    });
    observer.observe(byTestId('progress-text'), {
      childList: true,
      characterData: true,
      subtree: true,
    });
    this.showJobs();
    this.showMemory();
    window.setInterval(() => this.showMemory(), EVERY_MS);
  }

  private showJobs(): void {
    const detail = byTestId('progress-text').textContent ?? '';
    const running = JOB_KINDS.filter(({ key }) => {
      const state = document.body.dataset[key];
      return state === 'starting' || state === 'running';
    }).map(({ key, name }) => (key === 'jobState' && detail ? `${name}: ${detail}` : name));
    this.jobs.textContent = running.length
      ? `Jobs: ${running.length} running (${running.join('; ')})`
      : 'Jobs: none';
    this.jobs.dataset.running = String(running.length);
  }

  private showMemory(): void {
    const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    const parts = [`Volumes ${formatBytes(cache.getCacheSize())}`];
    if (heap) parts.push(`heap ${formatBytes(heap.usedJSHeapSize)}`);
    this.memory.textContent = `Memory: ${parts.join(', ')}`;
  }
}
