import type { SeriesSummary, WorkstationApi } from '../../src/api';
import { formatBytes } from './dom';
import type { ErrorBanner } from './ErrorBanner';

function line(className: string, text: string, testId?: string): HTMLDivElement {
  const div = document.createElement('div');
  div.className = className;
  div.textContent = text;
  if (testId) div.dataset.testid = testId;
  return div;
}

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD; anything else as it is. */
function formatDate(date: string): string {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date;
}

/**
 * The library's series: thumbnail, patient, study, description, modality, slices, size. A click
 * opens one; the open one is marked; Delete (after a confirm) removes one from the library.
 * `document.body.dataset.seriesCount` says how many are listed.
 */
export class SeriesBrowser {
  private readonly list = document.createElement('ul');
  private series: SeriesSummary[] = [];
  private openId = '';

  constructor(
    container: HTMLElement,
    private readonly api: WorkstationApi,
    private readonly banner: ErrorBanner,
    /** opens a series in the three views */
    private readonly open: (series: SeriesSummary) => void,
    /** after the open series was deleted */
    private readonly openDeleted: () => void,
  ) {
    const heading = document.createElement('h2');
    heading.textContent = 'Series';
    this.list.className = 'series-list';
    this.list.dataset.testid = 'series-list';
    container.append(heading, this.list);
  }

  get all(): readonly SeriesSummary[] {
    return this.series;
  }

  /** Marks the series shown in the views. */
  setOpen(seriesId: string): void {
    this.openId = seriesId;
    for (const item of this.list.querySelectorAll<HTMLLIElement>('li')) {
      const open = item.dataset.seriesId === seriesId;
      item.classList.toggle('open', open);
      item.setAttribute('aria-current', String(open));
    }
  }

  /** Lists the library's series; `listed`: a listing already asked for. */
  async refresh(listed?: Promise<SeriesSummary[]>): Promise<SeriesSummary[]> {
    this.series = await (listed ?? this.api.call('listSeries', {}));
    this.list.replaceChildren(...this.series.map((s) => this.item(s)));
    this.setOpen(this.openId);
    document.body.dataset.seriesCount = String(this.series.length);
    return this.series;
  }

  private item(series: SeriesSummary): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'series-item';
    item.dataset.testid = 'series-item';
    item.dataset.seriesId = series.seriesId;
    item.tabIndex = 0;
    const image = document.createElement('img');
    image.alt = '';
    image.dataset.testid = 'series-thumbnail';
    image.width = 64;
    image.height = 64;
    void this.thumbnail(series, image);
    const text = document.createElement('div');
    text.className = 'series-text';
    const patient = [series.patientName.replace(/\^/g, ' ').trim(), series.patientId]
      .filter(Boolean)
      .join(' · ');
    const study = [series.studyDescription, formatDate(series.studyDate)]
      .filter(Boolean)
      .join(' · ');
    const description = [
      series.seriesNumber ? `#${series.seriesNumber}` : '',
      series.seriesDescription || '(no description)',
    ]
      .filter(Boolean)
      .join(' ');
    const facts = [
      series.modality,
      `${series.slices} slices`,
      series.dimensions.slice(0, 2).join('×'),
      formatBytes(series.bytes),
    ]
      .filter(Boolean)
      .join(' · ');
    text.append(
      line('series-patient', patient || 'Anonymous', 'series-patient'),
      line('series-study', study),
      line('series-description', description, 'series-description'),
      line('series-facts', facts, 'series-facts'),
    );
    // the whole of what the narrow panel cuts short
    item.title = [patient, study, description, facts, `Imported ${series.importedAt}`].join('\n');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'series-delete';
    remove.dataset.testid = 'series-delete';
    remove.textContent = '×';
    remove.title = 'Delete from the library';
    remove.setAttribute('aria-label', `Delete ${series.seriesDescription || 'series'}`);
    remove.addEventListener('click', (event) => {
      event.stopPropagation();
      void this.delete(series);
    });
    item.append(image, text, remove);
    item.addEventListener('click', () => this.open(series));
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.open(series);
    });
    return item;
  }

  /** The host serves thumbnails by URL; Electron's bridge hands over their bytes. */
  private async thumbnail(series: SeriesSummary, image: HTMLImageElement): Promise<void> {
    const bridge = window.workstationBridge;
    const key = /([0-9a-f]{32})\.png$/.exec(series.thumbnailUrl)?.[1];
    if (!bridge) {
      image.src = series.thumbnailUrl;
      return;
    }
    const bytes = key && bridge.thumbnail ? await bridge.thumbnail(key) : null;
    if (bytes) image.src = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
  }

  private async delete(series: SeriesSummary): Promise<void> {
    const name = series.seriesDescription || series.seriesId;
    const warning =
      series.seriesId === this.openId ? '\nIt is open now: the first series opens instead.' : '';
    if (!window.confirm(`Delete "${name}" from the library?${warning}`)) return;
    try {
      await this.api.call('deleteSeries', { seriesId: series.seriesId });
      await this.refresh();
      if (series.seriesId === this.openId) this.openDeleted();
    } catch (error) {
      this.banner.show('Deleting the series', error);
    }
  }
}

const LAST_SERIES = 'workstation.lastSeries';

/** The series opened last on this machine (the app reopens it at start), if any. */
export function lastOpened(): string | null {
  try {
    return window.localStorage.getItem(LAST_SERIES);
  } catch {
    return null;
  }
}

export function rememberOpened(seriesId: string | null): void {
  try {
    if (seriesId) window.localStorage.setItem(LAST_SERIES, seriesId);
    else window.localStorage.removeItem(LAST_SERIES);
  } catch {
    // storage off (private mode): the first series opens at start instead
  }
}
