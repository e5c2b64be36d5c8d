import type { ApiEvent, LabelmapInfo, WorkstationApi } from '../../src/api';
import type { JobEvents } from '../api/JobEvents';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';

export type JobState = 'idle' | 'starting' | 'running' | 'done' | 'failed' | 'cancelled';

interface Target {
  volumeId: string;
  modelId: string;
}

/**
 * The Segment button, its progress bar and Cancel. It runs the model as a job in the core and
 * hands the finished labelmap to `onLabelmap`. The job state is mirrored on
 * `document.body.dataset.jobState` for tests and styling.
 */
export class SegmentControls {
  private readonly segment = byTestId<HTMLButtonElement>('segment');
  private readonly cancel = byTestId<HTMLButtonElement>('cancel');
  private jobModelId = '';
  private readonly progress = byTestId<HTMLProgressElement>('progress');
  private readonly text = byTestId('progress-text');
  private target: Target | null = null;
  private jobId: string | null = null;
  /** progress events of the current job, mirrored on the bar's data-events for tests */
  private progressEvents = 0;

  constructor(
    private readonly api: WorkstationApi,
    private readonly jobs: JobEvents,
    private readonly banner: ErrorBanner,
    private readonly onLabelmap: (labelmap: LabelmapInfo, modelId: string) => Promise<void>,
  ) {
    this.segment.addEventListener('click', () => void this.start());
    this.cancel.addEventListener('click', () => void this.requestCancel());
    this.setState('idle');
  }

  /** Enables Segment for this volume and model. */
  setTarget(target: Target | null): void {
    this.target = target;
    this.segment.disabled = !target || this.busy;
  }

  private get busy(): boolean {
    const state = document.body.dataset.jobState;
    return state === 'starting' || state === 'running';
  }

  private async start(): Promise<void> {
    if (!this.target || this.busy) return;
    this.banner.clear();
    this.jobId = null;
    this.progressEvents = 0;
    this.progress.dataset.events = '0';
    this.progress.removeAttribute('value');
    this.text.textContent = 'Starting…';
    this.setState('starting');
    try {
      // the result is named after the model that made it, whatever is picked meanwhile
      const target = this.target;
      const { jobId } = await this.api.call('runModel', target);
      this.jobId = jobId;
      this.jobModelId = target.modelId;
      this.setState('running');
      this.jobs.follow(jobId, (event) => this.handle(event));
    } catch (error) {
      this.fail('Segment', error);
    }
  }

  private async requestCancel(): Promise<void> {
    if (!this.jobId) return;
    this.cancel.disabled = true;
    try {
      await this.api.call('cancelJob', { jobId: this.jobId });
    } catch (error) {
      this.banner.show('Cancel', error);
      this.cancel.disabled = false;
    }
  }

  private handle(event: ApiEvent): void {
    if (event.jobId !== this.jobId) return;
    switch (event.type) {
      case 'job.progress': {
        this.progressEvents++;
        this.progress.dataset.events = String(this.progressEvents);
        this.progress.max = Math.max(1, event.total);
        this.progress.value = Math.min(event.done, event.total);
        const eta = event.etaSeconds === null ? '' : `, ${Math.ceil(event.etaSeconds)} s left`;
        this.text.textContent = `${event.phase} ${event.done}/${event.total}${eta}`;
        break;
      }
      case 'job.done':
        this.jobId = null;
        this.cancel.disabled = true;
        this.progress.max = 1;
        this.progress.value = 1;
        this.text.textContent = 'Loading the result…';
        this.onLabelmap(event.labelmap, this.jobModelId).then(
          () => {
            this.text.textContent = 'Done';
            this.setState('done');
          },
          (error: unknown) => this.fail('Showing the segmentation', error),
        );
        break;
      case 'job.failed':
        this.jobId = null;
        this.fail('Segmentation failed', new Error(`${event.error.message} (${event.error.code})`));
        break;
      case 'job.cancelled':
        this.jobId = null;
        this.progress.value = 0;
        this.text.textContent = 'Cancelled';
        this.setState('cancelled');
        break;
    }
  }

  private fail(context: string, error: unknown): void {
    this.jobId = null;
    this.progress.value = 0;
    this.text.textContent = 'Failed';
    this.banner.show(context, error);
    this.setState('failed');
  }

  private setState(state: JobState): void {
    document.body.dataset.jobState = state;
    const busy = state === 'starting' || state === 'running';
    this.segment.disabled = busy || !this.target;
    this.cancel.hidden = !busy;
    this.cancel.disabled = state !== 'running';
  }
}
