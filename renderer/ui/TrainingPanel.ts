import type { ApiEvent, EpochRecordView, ModelSummary, WorkstationApi } from '../../src/api';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';

/** The annotated case to train on: uploads the active segmentation and names it. */
export type CaseProvider = () => Promise<{ volumeId: string; labelmapId: string } | null>;

/**
 * Fine-tuning from the UI: base model, kind (2D / ACS / 3D), 2D-to-3D init, epochs and steps,
 * start and cancel, progress with ETA, and live loss / mean Dice curves per epoch (SVG). The case
 * is the open series with its active segmentation. The trained model joins the model list.
 */
export class TrainingPanel {
  private readonly start = byTestId<HTMLButtonElement>('train-start');
  private readonly cancel = byTestId<HTMLButtonElement>('train-cancel');
  private readonly progress = byTestId<HTMLProgressElement>('train-progress');
  private readonly text = byTestId('train-text');
  private readonly chart = byTestId('train-chart');
  private readonly base = byTestId<HTMLSelectElement>('train-base');
  private jobId: string | null = null;
  private history: EpochRecordView[] = [];

  constructor(
    private readonly api: WorkstationApi,
    private readonly banner: ErrorBanner,
    private readonly caseOf: CaseProvider,
    private readonly onModel: (model: ModelSummary) => void,
  ) {
    this.start.addEventListener('click', () => void this.run());
    this.cancel.addEventListener('click', () => {
      if (this.jobId) {
        this.cancel.disabled = true;
        this.api
          .call('cancelJob', { jobId: this.jobId })
          .catch((error: unknown) => this.banner.show('Cancel training', error));
      }
    });
    api.onEvent((event) => this.handle(event));
    this.setState('idle');
  }

  setModels(models: ModelSummary[]): void {
    const current = this.base.value;
    this.base.replaceChildren(
      ...models.map((model) => {
        const option = document.createElement('option');
        option.value = model.modelId;
        option.textContent = model.name;
        option.selected = model.modelId === current;
        return option;
      }),
    );
  }

  private async run(): Promise<void> {
    if (this.jobId) return;
    this.banner.clear();
    this.history = [];
    this.drawChart();
    this.setState('starting');
    this.text.textContent = 'Starting…';
    try {
      const annotated = await this.caseOf();
      if (!annotated) throw new Error('there is no segmentation to train on');
      const value = (id: string) => byTestId<HTMLInputElement | HTMLSelectElement>(id).value;
      const { jobId } = await this.api.call('startTraining', {
        baseModelId: this.base.value,
        name: value('train-name').trim() || 'Fine-tuned',
        kind: value('train-kind') as '2d' | 'acs' | '3d',
        init: value('train-init') as 'centre' | 'average' | 'scale' | 'random' | 'none',
        cases: [annotated],
        validation: [annotated],
        epochs: Math.max(1, Number(value('train-epochs')) || 1),
        stepsPerEpoch: Math.max(1, Number(value('train-steps')) || 1),
        batchSize: 1,
      });
      this.jobId = jobId;
      this.setState('running');
    } catch (error) {
      this.fail(error);
    }
  }

  private handle(event: ApiEvent): void {
    if (!this.jobId || event.jobId !== this.jobId) return;
    switch (event.type) {
      case 'job.progress': {
        this.progress.max = Math.max(1, event.total);
        this.progress.value = Math.min(event.done, event.total);
        const eta = event.etaSeconds === null ? '' : `, ETA ${Math.ceil(event.etaSeconds)} s`;
        const loss = typeof event.loss === 'number' ? `, loss ${event.loss.toFixed(3)}` : '';
        this.text.textContent = `${event.phase} ${event.done}/${event.total}${loss}${eta}`;
        break;
      }
      case 'training.epoch':
        this.history.push(event.record);
        this.drawChart();
        break;
      case 'training.done':
        this.jobId = null;
        this.text.textContent = `Done: ${event.model.name} is in the model list`;
        this.onModel(event.model);
        this.setState('done');
        break;
      case 'job.failed':
        this.fail(new Error(`${event.error.message} (${event.error.code})`));
        break;
      case 'job.cancelled':
        this.jobId = null;
        this.text.textContent = 'Cancelled';
        this.setState('cancelled');
        break;
      default:
        break;
    }
  }

  private fail(error: unknown): void {
    this.jobId = null;
    this.text.textContent = 'Failed';
    this.banner.show('Training failed', error);
    this.setState('failed');
  }

  private setState(state: string): void {
    document.body.dataset.trainingState = state;
    const busy = state === 'starting' || state === 'running';
    this.start.disabled = busy;
    this.cancel.hidden = !busy;
    this.cancel.disabled = state !== 'running';
  }

  /** Loss (red) and mean Dice (green) per epoch, each scaled to its own range. */
  private drawChart(): void {
    const width = 260;
    const height = 90;
    const line = (values: number[], color: string) => {
      if (values.length === 0) return '';
      const low = Math.min(...values, 0);
      const high = Math.max(...values, 1e-9);
      const points = values.map((v, i) => {
        const x = values.length === 1 ? width / 2 : (i / (values.length - 1)) * (width - 8) + 4;
        const y = height - 4 - ((v - low) / (high - low || 1)) * (height - 8);
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      });
      return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`;
    };
    this.chart.innerHTML =
      `<svg viewBox="0 0 ${width} ${height}" width="100%" height="${height}" role="img" aria-label="Loss and Dice per epoch">` +
      `<rect width="${width}" height="${height}" fill="#0f1216"/>` +
      line(
        this.history.map((r) => r.loss),
        '#e5534b',
      ) +
      line(
        this.history.map((r) => r.meanDice),
        '#57c45a',
      ) +
      `</svg>`;
    this.chart.dataset.epochs = String(this.history.length);
  }
}
