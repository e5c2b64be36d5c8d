import type { ApiEvent, WorkstationApi } from '../../src/api';

type JobListener = (event: ApiEvent) => void;

/** The events after which a job sends nothing more. */
const TERMINAL: ReadonlySet<ApiEvent['type']> = new Set([
  'job.done',
  'job.failed',
  'job.cancelled',
  'import.done',
  'training.done',
  'compare.done',
  'pacs.retrieved',
]);

/** How many jobs nobody follows yet are kept, and how many events of each. */
const MAX_UNCLAIMED_JOBS = 64;
const MAX_EVENTS_PER_JOB = 256;

/**
 * A job's events, in order, to whoever follows it, including the ones that arrived before its
 * id did. A command that starts a job answers with the job id, but the job runs meanwhile: a
 * short one (an import of one bad file) can finish, and its end event reach the page, before
 * that answer. Every job event is therefore kept by job id until somebody follows the job (or
 * until it is among the oldest of too many unclaimed jobs), and `follow` replays what was kept
 * before it delivers live events. Whatever order the transport delivers in, no event is lost.
 */
export class JobEvents {
  private readonly followers = new Map<string, JobListener>();
  private readonly unclaimed = new Map<string, ApiEvent[]>();

  constructor(api: Pick<WorkstationApi, 'onEvent'>) {
    api.onEvent((event) => this.route(event));
  }

  /**
   * Delivers the job's events (those that came before, then live ones) until its terminal
   * event, after which it forgets the job. Returns a function that stops following.
   */
  follow(jobId: string, listener: JobListener): () => void {
    const kept = this.unclaimed.get(jobId) ?? [];
    this.unclaimed.delete(jobId);
    this.followers.set(jobId, listener);
    for (const event of kept) this.deliver(jobId, listener, event);
    return () => {
      if (this.followers.get(jobId) === listener) this.followers.delete(jobId);
    };
  }

  private route(event: ApiEvent): void {
    const listener = this.followers.get(event.jobId);
    if (listener) {
      this.deliver(event.jobId, listener, event);
      return;
    }
    let kept = this.unclaimed.get(event.jobId);
    if (!kept) {
      kept = [];
      this.unclaimed.set(event.jobId, kept);
      // Maps iterate in insertion order: the first key is the job heard of longest ago.
      if (this.unclaimed.size > MAX_UNCLAIMED_JOBS) {
        const oldest = this.unclaimed.keys().next().value;
        if (oldest !== undefined) this.unclaimed.delete(oldest);
      }
    }
    kept.push(event);
    if (kept.length > MAX_EVENTS_PER_JOB) {
      // progress is superseded by later progress; the job's other events are kept
      const progress = kept.findIndex(
        (e) => e.type === 'job.progress' || e.type === 'import.progress',
      );
      kept.splice(progress >= 0 ? progress : 0, 1);
    }
  }

  private deliver(jobId: string, listener: JobListener, event: ApiEvent): void {
    if (TERMINAL.has(event.type) && this.followers.get(jobId) === listener)
      this.followers.delete(jobId);
    try {
      listener(event);
    } catch (error) {
      console.error('job event listener failed', error);
    }
  }
}
