import type { ApiEvent } from '../../api/events';
import type { EngineJob } from '../../engine/Engine';
import { CancelledError } from '../../engine/inference/CancelledError';
import { errorMessage } from '../../errors/errorMessage';

/** The engine's jobs running now: cancellable until they end, their failure reported. */
export class Jobs {
  private readonly running = new Map<string, EngineJob<unknown>>();

  constructor(private readonly emit: (event: ApiEvent) => void) {}

  /** Keeps a job cancellable until it ends, and reports its failure or cancellation. */
  track(jobId: string, job: EngineJob<unknown>, what: string): void {
    this.running.set(jobId, job);
    job.result
      .catch((error: unknown) => {
        if (error instanceof CancelledError) this.emit({ type: 'job.cancelled', jobId });
        else {
          const message = errorMessage(error);
          this.emit({
            type: 'job.failed',
            jobId,
            error: { code: 'internal', message: `${what} failed: ${message}` },
          });
        }
      })
      .finally(() => this.running.delete(jobId));
  }

  /** Cancels a job; false when none of that id runs. */
  cancel(jobId: string): boolean {
    const job = this.running.get(jobId);
    job?.cancel();
    return job !== undefined;
  }

  cancelAll(): void {
    for (const job of this.running.values()) job.cancel();
  }
}
