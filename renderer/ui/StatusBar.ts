import { cache } from '@cornerstonejs/core';
import { byTestId, formatBytes } from './dom';

const EVERY_MS = 2_000;

/**
 * The status bar's jobs and memory: the job that runs (from the body's jobState and the progress
 * text), the page's JavaScript heap where Chromium tells it, and Cornerstone's volume cache.
 */
export class StatusBar {
  private readonly jobs = byTestId('jobs-status');
  private readonly memory = byTestId('memory-status');

  constructor() {
    const observer = new MutationObserver(() => this.showJobs());
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-job-state'] });
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
    const state = document.body.dataset.jobState;
    const running = state === 'starting' || state === 'running';
    const detail = byTestId('progress-text').textContent ?? '';
    this.jobs.textContent = running ? `Jobs: 1 running (${detail || 'starting'})` : 'Jobs: none';
    this.jobs.dataset.running = running ? '1' : '0';
  }

  private showMemory(): void {
    const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    const parts = [`Volumes ${formatBytes(cache.getCacheSize())}`];
    if (heap) parts.push(`heap ${formatBytes(heap.usedJSHeapSize)}`);
    this.memory.textContent = `Memory: ${parts.join(', ')}`;
  }
}
