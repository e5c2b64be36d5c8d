import type { ApiEvent, CompareRowView, ModelSummary, WorkstationApi } from '../../src/api';
import type { JobEvents } from '../api/JobEvents';
import { byTestId } from './dom';
import { EpochChart } from './epochChart';
import type { ErrorBanner } from './ErrorBanner';

const CONFIGURATIONS: { label: string; color: string }[] = [
  { label: '2D', color: '#9aa4ad' },
  { label: '3D random', color: '#e5534b' },
  { label: '3D centre', color: '#e0a040' },
  { label: '3D average', color: '#c9c94a' },
  { label: '3D scale', color: '#4aa3e0' },
  { label: 'ACS', color: '#57c45a' },
];

/**
 * The transfer-learning paper's comparison on the user's cases: a 2D base model and the cases
 * checked in the training panel, a budget; start and cancel, the folds of its cross-validation,
 * progress, then the table of held-out mean IoU (± SD over cases, p against 2D; the report has the plans)
 * per configuration and their validation Dice curves (uPlot). The report stays in the data folder.
 */
export class ComparePanel {
  private readonly section = document.createElement('section');
  private readonly base = document.createElement('select');
  private readonly epochs = document.createElement('input');
  private readonly steps = document.createElement('input');
  private readonly start = document.createElement('button');
  private readonly cancel = document.createElement('button');
  private readonly progress = document.createElement('progress');
  private readonly text = document.createElement('span');
  /** the cross-validation's folds as the core dealt them: who is held out when */
  private readonly folds = document.createElement('p');
  private readonly table = document.createElement('table');
  private readonly chart: EpochChart;
  private readonly curves: number[][] = CONFIGURATIONS.map(() => []);
  private jobId: string | null = null;

  constructor(
    private readonly api: WorkstationApi,
    private readonly jobs: JobEvents,
    private readonly banner: ErrorBanner,
    private readonly casesOf: () => { seriesId: string; segmentationId: string }[],
  ) {
    const s = this.section;
    s.className = 'panel';
    s.dataset.testid = 'compare-panel';
    const title = document.createElement('h2');
    title.textContent = 'Compare 2D / 3D / ACS';
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = 'From a 2D model, on the cases checked under Training.';
    this.base.ariaLabel = 'Compare base model';
    this.base.dataset.testid = 'compare-base';
    for (const [input, value, id] of [
      [this.epochs, '1', 'compare-epochs'],
      [this.steps, '2', 'compare-steps'],
    ] as const) {
      input.type = 'number';
      input.min = '1';
      input.value = value;
      input.dataset.testid = id;
    }
    const budget = document.createElement('label');
    budget.className = 'field';
    budget.append('Epochs ', this.epochs, ' Steps ', this.steps);
    this.start.type = 'button';
    this.start.textContent = 'Compare';
    this.start.dataset.testid = 'compare-start';
    this.cancel.type = 'button';
    this.cancel.textContent = 'Cancel';
    this.cancel.dataset.testid = 'compare-cancel';
    this.cancel.hidden = true;
    const row = document.createElement('div');
    row.className = 'row';
    row.append(this.start, this.cancel);
    this.progress.max = 1;
    this.progress.value = 0;
    this.progress.ariaLabel = 'Comparison progress';
    this.progress.dataset.testid = 'compare-progress';
    this.text.className = 'progress-text';
    this.text.dataset.testid = 'compare-text';
    this.folds.className = 'hint';
    this.folds.dataset.testid = 'compare-folds';
    this.table.className = 'compare-table';
    this.table.dataset.testid = 'compare-table';
    const chartHost = document.createElement('div');
    chartHost.className = 'chart';
    chartHost.dataset.testid = 'compare-chart';
    s.append(
      title,
      hint,
      this.base,
      budget,
      row,
      this.progress,
      this.text,
      this.folds,
      this.table,
      chartHost,
    );
    byTestId('training-panel').after(s);
    this.chart = new EpochChart(
      chartHost,
      CONFIGURATIONS.map((c) => ({ label: c.label, color: c.color, scale: 'metric' })),
      270,
      170,
    );
    this.start.addEventListener('click', () => void this.run());
    this.cancel.addEventListener('click', () => {
      if (!this.jobId) return;
      this.cancel.disabled = true;
      this.api
        .call('cancelJob', { jobId: this.jobId })
        .catch((error: unknown) => this.banner.show('Cancel comparison', error));
    });
    this.setState('idle');
  }

  setModels(models: ModelSummary[]): void {
    const current = this.base.value;
    this.base.replaceChildren(
      ...models.map((m) => {
        const option = document.createElement('option');
        option.value = m.modelId;
        option.textContent = m.name;
        option.selected = m.modelId === current || (!current && /2d/i.test(m.name));
        return option;
      }),
    );
  }

  private async run(): Promise<void> {
    if (this.jobId) return;
    this.banner.clear();
    const libraryCases = this.casesOf();
    if (libraryCases.length < 2) {
      // said here in the user's words: the core's refusal names a parameter
      this.text.textContent =
        `A comparison needs at least two cases ticked in the Training panel (each is held out ` +
        `in turn to test on); ${libraryCases.length === 1 ? 'one is' : 'none is'} ticked.`;
      this.text.dataset.refused = 'too-few-cases';
      return;
    }
    delete this.text.dataset.refused;
    this.curves.forEach((c) => (c.length = 0));
    this.chart.set(this.curves);
    this.table.replaceChildren();
    this.folds.textContent = '';
    this.setState('starting');
    this.text.textContent = 'Starting…';
    try {
      const { jobId, folds, cases } = await this.api.call('startCompare', {
        baseModelId: this.base.value,
        libraryCases,
        epochs: Math.max(1, Number(this.epochs.value) || 1),
        stepsPerEpoch: Math.max(1, Number(this.steps.value) || 1),
        batchSize: 1,
      });
      this.jobId = jobId;
      const name = new Map(cases.map((c) => [c.key, c.name]));
      this.folds.textContent = `${folds.length}-fold cross-validation; held out in turn: ${folds
        .map((f) => f.test.map((k) => name.get(k) ?? k).join(', '))
        .join(' | ')}`;
      this.setState('running');
      this.jobs.follow(jobId, (event) => this.handle(event));
    } catch (error) {
      this.fail(error);
    }
  }

  private handle(event: ApiEvent): void {
    if (event.jobId !== this.jobId) return;
    switch (event.type) {
      case 'job.progress': {
        this.progress.max = Math.max(1, event.total);
        this.progress.value = Math.min(event.done, event.total);
        const eta = event.etaSeconds === null ? '' : `, ETA ${Math.ceil(event.etaSeconds)} s`;
        this.text.textContent = `${event.phase} ${event.done}/${event.total}${eta}`;
        break;
      }
      case 'compare.epoch':
        // the first fold's curves while it runs; the folds' mean once done
        if (event.run === 0) this.curves[event.index]?.push(event.record.meanDice);
        this.chart.set(this.curves);
        break;
      case 'compare.done':
        this.jobId = null;
        this.showTable(event.rows);
        event.rows.forEach((r, n) => (this.curves[n] = r.curve.map((e) => e.meanDice)));
        this.chart.set(this.curves);
        this.text.textContent = `Done: report in ${event.reportDir}`;
        this.progress.value = this.progress.max;
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

  private showTable(rows: CompareRowView[]): void {
    const best = Math.max(...rows.map((r) => r.meanIou));
    const head = document.createElement('tr');
    for (const h of ['Configuration', 'held-out mean IoU', 'mean Dice', 'p vs 2D']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    this.table.replaceChildren(
      head,
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        if (r.meanIou === best) tr.className = 'best';
        for (const text of [
          r.name,
          `${r.meanIou.toFixed(3)} ± ${r.sdIou.toFixed(3)}`,
          `${r.meanDice.toFixed(3)} ± ${r.sdDice.toFixed(3)}`,
          r.pVs2d ? r.pVs2d.meanIou.toFixed(3) : 'baseline',
        ]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    this.table.dataset.rows = String(rows.length);
  }

  private fail(error: unknown): void {
    this.jobId = null;
    this.text.textContent = 'Failed';
    this.banner.show('Comparison failed', error);
    this.setState('failed');
  }

  private setState(state: string): void {
    document.body.dataset.compareState = state;
    const busy = state === 'starting' || state === 'running';
    this.start.disabled = busy;
    this.cancel.hidden = !busy;
    this.cancel.disabled = state !== 'running';
  }
}
