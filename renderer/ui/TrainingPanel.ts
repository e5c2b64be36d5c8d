import type {
  ApiEvent,
  EpochRecordView,
  ModelSummary,
  ResumableTraining,
  TrainingCaseSummary,
  TrainingSplit,
  WorkstationApi,
} from '../../src/api';
import type { JobEvents } from '../api/JobEvents';
import { byTestId } from './dom';
import { EpochChart } from './epochChart';
import type { ErrorBanner } from './ErrorBanner';

/** The annotated case to train on: uploads the active segmentation and names it. */
export type CaseProvider = () => Promise<{ volumeId: string; labelmapId: string } | null>;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { testId?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const { testId, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (testId) node.dataset.testid = testId;
  node.append(...children);
  return node;
}

/**
 * Fine-tuning from the UI: annotated library cases (checkboxes) and, optionally, the open series
 * with its active segmentation; base model, kind (2D / ACS / 3D), 2D-to-3D init, epochs, steps
 * and patch size; start, cancel and resume; progress with ETA, the train / validation split, and
 * live loss and mean Dice curves (uPlot). The trained model joins the model list.
 */
export class TrainingPanel {
  private readonly panel = byTestId('training-panel');
  private readonly start = byTestId<HTMLButtonElement>('train-start');
  private readonly cancel = byTestId<HTMLButtonElement>('train-cancel');
  private readonly progress = byTestId<HTMLProgressElement>('train-progress');
  private readonly text = byTestId('train-text');
  private readonly base = byTestId<HTMLSelectElement>('train-base');
  private readonly cases = element('div', { className: 'case-list', testId: 'train-cases' });
  private readonly openCase = element('input', { type: 'checkbox', testId: 'train-open-case' });
  private readonly patch = element('input', {
    type: 'text',
    placeholder: 'model default',
    title: 'Training patch: depth,height,width in voxels',
    testId: 'train-patch',
  });
  private readonly split = element('div', { className: 'split', testId: 'train-split' });
  private readonly resumable = element('select', {
    ariaLabel: 'Resumable trainings',
    testId: 'train-resumable',
  });
  private readonly resume = element('button', { type: 'button', testId: 'train-resume' }, 'Resume');
  private readonly chart: EpochChart;
  private jobId: string | null = null;
  private history: EpochRecordView[] = [];
  private library: TrainingCaseSummary[] = [];
  private models: ModelSummary[] = [];

  constructor(
    private readonly api: WorkstationApi,
    private readonly jobs: JobEvents,
    private readonly banner: ErrorBanner,
    private readonly caseOf: CaseProvider,
    private readonly onModel: (model: ModelSummary) => void,
  ) {
    const refresh = element('button', { type: 'button', testId: 'train-refresh' }, 'Refresh');
    refresh.addEventListener('click', () => void this.refresh());
    this.base
      .closest('label')
      ?.after(
        element('div', { className: 'field' }, 'Annotated cases', refresh),
        this.cases,
        element(
          'label',
          { className: 'field' },
          this.openCase,
          ' the open series (active segmentation)',
        ),
      );
    byTestId('train-name')
      .closest('label')
      ?.after(element('label', { className: 'field' }, 'Patch ', this.patch));
    this.text.after(this.split);
    this.panel.append(element('div', { className: 'row' }, this.resumable, this.resume));
    this.chart = new EpochChart(byTestId('train-chart'), [
      { label: 'loss', color: '#e5534b', scale: 'loss' },
      { label: 'mean Dice', color: '#57c45a', scale: 'metric' },
    ]);
    this.base.addEventListener('change', () => this.markOutOfClass());
    this.start.title = 'Train on the checked cases';
    this.start.addEventListener('click', () => void this.run());
    this.resume.addEventListener('click', () => void this.resumeSelected());
    this.cancel.addEventListener('click', () => {
      if (this.jobId) {
        this.cancel.disabled = true;
        this.api
          .call('cancelJob', { jobId: this.jobId })
          .catch((error: unknown) => this.banner.show('Cancel training', error));
      }
    });
    this.setState('idle');
    void this.refresh();
  }

  setModels(models: ModelSummary[]): void {
    this.models = models;
    const current = this.base.value;
    this.base.replaceChildren(
      ...models.map((model) =>
        element('option', {
          value: model.modelId,
          textContent: model.name,
          selected: model.modelId === current,
        }),
      ),
    );
    this.markOutOfClass();
  }

  /** The checked library cases, for this panel and the compare panel. */
  checkedCases(): { seriesId: string; segmentationId: string }[] {
    return [...this.cases.querySelectorAll<HTMLInputElement>('input:checked')].map((box) => ({
      seriesId: box.dataset.seriesId ?? '',
      segmentationId: box.dataset.segmentationId ?? '',
    }));
  }

  /** Reloads the annotated library cases and the trainings that can be resumed. */
  async refresh(): Promise<void> {
    try {
      const checked = new Set(this.checkedCases().map((c) => `${c.seriesId}/${c.segmentationId}`));
      this.library = await this.api.call('listTrainingCases', {});
      this.cases.replaceChildren(
        ...this.library.flatMap((c) =>
          c.segmentations.map((s) => {
            const box = element('input', { type: 'checkbox' });
            box.dataset.seriesId = c.seriesId;
            box.dataset.segmentationId = s.segmentationId;
            box.checked = checked.size === 0 || checked.has(`${c.seriesId}/${s.segmentationId}`);
            const segments = s.segments.map((g) => g.label).join(', ');
            const warning = element('span', { className: 'case-warning', testId: 'case-warning' });
            warning.hidden = true;
            return element(
              'label',
              { className: 'case', title: `${c.dimensions.join(' x ')} voxels, ${c.modality}` },
              box,
              ` ${c.description} / ${s.name} (${segments})`,
              warning,
            );
          }),
        ),
      );
      if (this.library.length === 0) {
        this.cases.textContent = 'No library series has a segmentation yet.';
        // nothing in the library: the open series with its segmentation is the case
        this.openCase.checked = true;
      }
      this.cases.dataset.count = String(this.library.length);
      this.markOutOfClass();
      const list = await this.api.call('listResumableTrainings', {});
      this.showResumable(list);
    } catch (error) {
      this.banner.show('Training cases', error);
    }
  }

  /**
   * Names, beside each case, the segments whose label is not one of the base model's classes (a
   * training refuses them), and leaves such a case unchecked: said when the case is listed, not
   * after Train.
   */
  private markOutOfClass(): void {
    const model = this.models.find((m) => m.modelId === this.base.value);
    for (const box of this.cases.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) {
      const summary = this.library.find((c) => c.seriesId === box.dataset.seriesId);
      const saved = summary?.segmentations.find(
        (s) => s.segmentationId === box.dataset.segmentationId,
      );
      const warning = box.parentElement?.querySelector<HTMLElement>('.case-warning');
      if (!saved || !warning) continue;
      const classes = model?.classes ?? [];
      const outside = model ? saved.segments.filter((g) => g.index >= classes.length) : [];
      const labels = outside.map((g) => `label ${g.index} "${g.label}"`).join(', ');
      const known = classes.map((name, n) => `${n} ${name}`).join(', ');
      warning.hidden = outside.length === 0;
      warning.textContent = outside.length
        ? `${labels}: not a class of the base model (${known})`
        : '';
      // a case unchecked here is checked again when a model that has its labels is chosen
      if (outside.length > 0 && box.checked) box.dataset.uncheckedForClasses = 'true';
      if (outside.length === 0 && box.dataset.uncheckedForClasses) {
        box.checked = true;
        delete box.dataset.uncheckedForClasses;
      }
      box.disabled = outside.length > 0;
      if (box.disabled) box.checked = false;
      box.closest('.case')?.classList.toggle('out-of-class', outside.length > 0);
    }
  }

  private showResumable(list: ResumableTraining[]): void {
    this.resumable.replaceChildren(
      ...list.map((t) =>
        element('option', {
          value: t.trainingId,
          textContent: `${t.name}: ${t.epochsDone}/${t.epochs} epochs (${t.status})`,
        }),
      ),
    );
    this.resumable.hidden = list.length === 0;
    this.resume.hidden = list.length === 0;
    this.resumable.dataset.count = String(list.length);
  }

  private async run(): Promise<void> {
    if (this.jobId) return;
    this.banner.clear();
    this.begin();
    try {
      const libraryCases = this.checkedCases();
      const open = this.openCase.checked ? await this.caseOf() : null;
      if (this.openCase.checked && !open) throw new Error('the open series has no segmentation');
      if (!open && libraryCases.length === 0)
        throw new Error('check at least one annotated case to train on');
      const value = (id: string) => byTestId<HTMLInputElement | HTMLSelectElement>(id).value;
      const patch = this.patch.value.trim();
      const patchSize = patch ? patch.split(',').map((v) => Number(v.trim())) : undefined;
      if (patchSize && (patchSize.length !== 3 || patchSize.some((v) => !(v >= 1))))
        throw new Error('the patch size is depth,height,width, e.g. 32,32,32');
      const { jobId, split } = await this.api.call('startTraining', {
        baseModelId: this.base.value,
        name: value('train-name').trim() || 'Fine-tuned',
        kind: value('train-kind') as '2d' | 'acs' | '3d',
        init: value('train-init') as 'centre' | 'average' | 'scale' | 'random' | 'none',
        cases: open ? [open] : [],
        libraryCases,
        epochs: Math.max(1, Number(value('train-epochs')) || 1),
        stepsPerEpoch: Math.max(1, Number(value('train-steps')) || 1),
        batchSize: 1,
        ...(patchSize ? { patchSize: patchSize as [number, number, number] } : {}),
      });
      this.jobId = jobId;
      this.showSplit(split);
      this.setState('running');
      this.jobs.follow(jobId, (event) => this.handle(event));
    } catch (error) {
      this.fail(error);
    }
  }

  private async resumeSelected(): Promise<void> {
    if (this.jobId || !this.resumable.value) return;
    this.banner.clear();
    this.begin();
    try {
      const { jobId, history, epochsDone } = await this.api.call('resumeTraining', {
        trainingId: this.resumable.value,
      });
      this.jobId = jobId;
      this.history = history;
      this.drawChart();
      this.text.textContent = `Resuming after epoch ${epochsDone}…`;
      this.setState('running');
      this.jobs.follow(jobId, (event) => this.handle(event));
    } catch (error) {
      this.fail(error);
    }
  }

  private begin(): void {
    this.history = [];
    this.drawChart();
    this.split.textContent = '';
    this.setState('starting');
    this.text.textContent = 'Starting…';
  }

  private showSplit(split: TrainingSplit): void {
    const names = (list: { name: string }[]) => list.map((c) => c.name).join(', ');
    this.split.textContent = split.validatesOnTraining
      ? `One series: it trains and validates on ${names(split.train)}`
      : `Train: ${names(split.train)} · Validate: ${names(split.validation)}`;
  }

  private handle(event: ApiEvent): void {
    if (event.jobId !== this.jobId) return;
    switch (event.type) {
      case 'job.progress': {
        this.progress.max = Math.max(1, event.total);
        this.progress.value = Math.min(event.done, event.total);
        const eta = event.etaSeconds === null ? '' : `, ETA ${Math.ceil(event.etaSeconds)} s`;
        const loss = typeof event.loss === 'number' ? `, loss ${event.loss.toFixed(3)}` : '';
        const epoch = event.epoch ? `epoch ${event.epoch} ` : '';
        const on = event.backend ? ` (on ${event.backend})` : '';
        this.text.textContent = `${epoch}${event.phase} ${event.done}/${event.total}${loss}${eta}${on}`;
        break;
      }
      case 'training.epoch':
        this.history.push(event.record);
        this.drawChart();
        break;
      case 'training.done':
        this.jobId = null;
        this.text.textContent = `Done: ${event.model.name} is in the model list`;
        this.progress.value = this.progress.max;
        this.history = event.history;
        this.drawChart();
        this.onModel(event.model);
        this.setState('done');
        void this.refresh();
        break;
      case 'job.failed':
        this.fail(new Error(`${event.error.message} (${event.error.code})`));
        void this.refresh();
        break;
      case 'job.cancelled':
        this.jobId = null;
        this.text.textContent = 'Cancelled: resume it below from its last checkpoint';
        this.setState('cancelled');
        void this.refresh();
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
    this.resume.disabled = busy;
    this.cancel.hidden = !busy;
    this.cancel.disabled = state !== 'running';
  }

  private drawChart(): void {
    this.chart.set([this.history.map((r) => r.loss), this.history.map((r) => r.meanDice)]);
  }
}
