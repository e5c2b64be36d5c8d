import type { ApiEvent, ImportIssueInfo, WorkstationApi } from '../../src/api';
import type { JobEvents } from '../api/JobEvents';
import type { ErrorBanner } from './ErrorBanner';

/** A file the user chose or dropped, with the path under the folder they picked. */
export interface PickedFile {
  file: File;
  path: string;
}

type ImportEnd = Extract<ApiEvent, { type: 'import.done' | 'job.cancelled' | 'job.failed' }>;

const PARALLEL_UPLOADS = 4;

/** What an import did, as the panel shows it. */
interface ImportOutcome {
  summary: string;
  errors: ImportIssueInfo[];
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  testId?: string,
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  if (testId) node.setAttribute('data-testid', testId);
  return node;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

/** Every file under a dropped entry, folders walked (readEntries answers in batches). */
async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, path: entry.fullPath.replace(/^\/+/, '') || file.name });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader))
    for (const child of batch) await walk(child, out);
}

/** The files of a drop: folders through webkitGetAsEntry, plain files as they come. */
export async function droppedFiles(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const out: PickedFile[] = [];
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    for (const entry of entries) await walk(entry, out);
    return out;
  }
  return [...transfer.files].map((file) => ({ file, path: file.name }));
}

/**
 * Import into the case library: files or a folder from a picker, or dropped on the window,
 * uploaded to the host and imported there; in Electron a native dialog picks paths instead.
 * Progress "N of M files" with Cancel, then what was imported and every file that was not.
 * `document.body.dataset.importState`: uploading, importing, done, cancelled or failed.
 */
export class ImportPanel {
  private readonly progress = element('progress', { max: 1, value: 0 }, 'import-progress');
  private readonly text = element('span', { className: 'progress-text' }, 'import-progress-text');
  private readonly cancelButton = element(
    'button',
    { type: 'button', textContent: 'Cancel', hidden: true },
    'import-cancel',
  );
  private readonly result = element('div', { className: 'import-result' }, 'import-result');
  private readonly errors = element('ul', { className: 'import-errors' }, 'import-errors');
  private readonly choices = element('div', { className: 'import-choices' }, 'import-choices');
  private readonly drop = element(
    'div',
    { className: 'drop-zone', textContent: 'Drop DICOM or NIfTI files and folders here' },
    'drop-zone',
  );
  private cancelCurrent: (() => void) | null = null;

  constructor(
    container: HTMLElement,
    private readonly api: WorkstationApi,
    private readonly jobs: JobEvents,
    private readonly banner: ErrorBanner,
    /** after an import that stored or recognised series, with their ids */
    private readonly imported: (seriesIds: string[]) => void,
  ) {
    const filesInput = element(
      'input',
      { type: 'file', multiple: true, hidden: true },
      'import-file-input',
    );
    const folderInput = element(
      'input',
      { type: 'file', multiple: true, hidden: true, webkitdirectory: true },
      'import-folder-input',
    );
    const filesButton = element(
      'button',
      { type: 'button', textContent: 'Import files…', title: 'DICOM, zip or NIfTI files' },
      'import-files',
    );
    const folderButton = element(
      'button',
      { type: 'button', textContent: 'Import folder…', title: 'A folder, read recursively' },
      'import-folder',
    );
    // Electron picks paths with its own dialog: nothing to upload
    const pick = (kind: 'files' | 'folder', input: HTMLInputElement) => {
      const bridge = window.workstationBridge;
      if (bridge?.importWithDialog)
        void this.importOnDisk(async () => (await bridge.importWithDialog?.(kind)) ?? null);
      else input.click();
    };
    filesButton.addEventListener('click', () => pick('files', filesInput));
    folderButton.addEventListener('click', () => pick('folder', folderInput));
    for (const input of [filesInput, folderInput]) {
      input.addEventListener('change', () => {
        const files = [...(input.files ?? [])].map((file) => ({
          file,
          path: file.webkitRelativePath || file.name,
        }));
        input.value = '';
        void this.upload(files);
      });
    }
    this.cancelButton.addEventListener('click', () => this.cancelCurrent?.());
    const row = element('div', { className: 'row' });
    row.append(filesButton, folderButton, this.cancelButton, filesInput, folderInput);
    const heading = element('h2', { textContent: 'Import' });
    this.progress.hidden = true;
    container.append(
      heading,
      row,
      this.drop,
      this.progress,
      this.text,
      this.result,
      this.choices,
      this.errors,
    );
    this.listenForDrops();
  }

  private listenForDrops(): void {
    // The whole window takes drops: a user drags a folder anywhere onto the app.
    let depth = 0;
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    window.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      depth++;
      document.body.classList.add('dragging-files');
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) document.body.classList.remove('dragging-files');
    });
    window.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    });
    window.addEventListener('drop', (event) => {
      depth = 0;
      document.body.classList.remove('dragging-files');
      if (!event.dataTransfer || !hasFiles(event)) return;
      event.preventDefault();
      const pathOf = window.workstationBridge?.pathForFile;
      if (pathOf) {
        // Electron: dropped files and folders are on disk already; import them where they are
        const paths = [...event.dataTransfer.files].map((file) => pathOf(file)).filter(Boolean);
        if (paths.length > 0 && !this.cancelCurrent)
          void this.importOnDisk(() => this.api.call('importPaths', { paths }));
        return;
      }
      droppedFiles(event.dataTransfer).then(
        (files) => this.upload(files),
        (error: unknown) => this.banner.show('Reading the dropped files', error),
      );
    });
  }

  private showProgress(event: ApiEvent): void {
    if (event.type === 'import.progress') {
      this.progress.max = Math.max(1, event.total);
      this.progress.value = event.done;
      this.text.textContent =
        event.phase === 'scan'
          ? `Reading ${event.done} of ${event.total} files`
          : `${event.seriesFound} series found in ${event.files} files · ${event.detail}: ${event.done} of ${event.total} slices`;
    }
  }

  private begin(state: string, cancel: () => void): void {
    document.body.dataset.importState = state;
    this.cancelCurrent = cancel;
    this.cancelButton.hidden = false;
    this.progress.hidden = false;
    this.progress.value = 0;
    this.result.textContent = '';
    this.choices.replaceChildren();
    this.errors.replaceChildren();
  }

  private end(state: string): void {
    document.body.dataset.importState = state;
    this.cancelCurrent = null;
    this.cancelButton.hidden = true;
    this.progress.hidden = true;
  }

  /** Uploads the files into a fresh upload on the host, then imports that upload. */
  async upload(files: PickedFile[]): Promise<void> {
    if (files.length === 0 || this.cancelCurrent) return;
    const aborter = new AbortController();
    const failed: ImportIssueInfo[] = [];
    let uploadId = '';
    this.begin('uploading', () => {
      aborter.abort();
      if (uploadId) void this.api.call('cancelJob', { jobId: uploadId });
    });
    try {
      ({ uploadId } = await this.api.call('createUpload', {}));
      let next = 0;
      let sent = 0;
      this.progress.max = files.length;
      this.text.textContent = `Uploading 0 of ${files.length} files`;
      const worker = async () => {
        for (let i = next++; i < files.length && !aborter.signal.aborted; i = next++) {
          const { file, path } = files[i] as PickedFile;
          const url = `uploads/${uploadId}/${path.split('/').map(encodeURIComponent).join('/')}`;
          try {
            const response = await fetch(url, {
              method: 'PUT',
              body: file,
              signal: aborter.signal,
            });
            if (!response.ok)
              failed.push({
                path,
                problem: 'upload',
                message: `${path}: ${await response.text()}`,
              });
          } catch (error) {
            if (aborter.signal.aborted) return;
            failed.push({ path, problem: 'upload', message: `${path}: ${String(error)}` });
          }
          sent++;
          this.progress.value = sent;
          this.text.textContent = `Uploading ${sent} of ${files.length} files`;
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
      if (aborter.signal.aborted)
        return this.finish({ type: 'job.cancelled', jobId: uploadId }, failed);
      const { jobId } = await this.api.call('importUpload', { uploadId });
      await this.follow(jobId, failed);
    } catch (error) {
      this.end('failed');
      this.banner.show('Import', error);
    }
  }

  private async importOnDisk(choose: () => Promise<{ jobId: string } | null>): Promise<void> {
    if (this.cancelCurrent) return;
    try {
      const started = await choose();
      if (started) await this.follow(started.jobId, []);
    } catch (error) {
      this.end('failed');
      this.banner.show('Import', error);
    }
  }

  /**
   * Follows an import job to its end, with Cancel cancelling it. Its events may have arrived
   * before its id did (a lone bad file is refused at once): JobEvents replays them.
   */
  private async follow(jobId: string, failed: ImportIssueInfo[]): Promise<void> {
    this.begin('importing', () => {
      this.api
        .call('cancelJob', { jobId })
        .catch((error: unknown) => this.banner.show('Cancel import', error));
    });
    this.text.textContent = 'Reading the files…';
    const ended = await new Promise<ImportEnd>((resolve) =>
      this.jobs.follow(jobId, (event) => {
        if (
          event.type === 'import.done' ||
          event.type === 'job.cancelled' ||
          event.type === 'job.failed'
        )
          resolve(event);
        else this.showProgress(event);
      }),
    );
    this.finish(ended, failed);
  }

  private finish(event: ImportEnd, failed: ImportIssueInfo[]): void {
    if (event.type === 'job.cancelled') {
      this.end('cancelled');
      this.text.textContent = 'Import cancelled: the library is as it was';
      return;
    }
    if (event.type === 'job.failed') {
      this.end('failed');
      this.text.textContent = '';
      this.banner.show('Import', new Error(event.error.message));
      return;
    }
    const errors = [...failed, ...event.errors];
    const summary = [
      `${event.imported.length} series imported`,
      `${event.existing.length} already in the library`,
      `${event.files} files read`,
      `${event.skipped} skipped`,
      `${errors.length} ${errors.length === 1 ? 'error' : 'errors'}`,
    ].join(', ');
    const outcome: ImportOutcome = { summary, errors };
    this.showOutcome(outcome);
    this.text.textContent = '';
    this.end('done');
    this.imported([...new Set([...event.imported, ...event.existing])]);
  }

  /** Offers to open each of several imported series; `open` is called with the one clicked. */
  offerToOpen(
    series: { seriesId: string; label: string }[],
    open: (seriesId: string) => void,
  ): void {
    this.choices.replaceChildren(
      ...series.map(({ seriesId, label }) => {
        const choice = element(
          'button',
          { type: 'button', textContent: `Open ${label}`, title: 'Show this series in the views' },
          'import-open',
        );
        choice.dataset.seriesId = seriesId;
        choice.addEventListener('click', () => open(seriesId));
        return choice;
      }),
    );
  }

  private showOutcome({ summary, errors }: ImportOutcome): void {
    this.result.textContent = summary;
    this.errors.replaceChildren(
      ...errors.map((issue) => {
        const item = element('li', { title: issue.message }, 'import-error');
        item.dataset.problem = issue.problem;
        item.append(
          element('strong', { textContent: issue.path }),
          element('span', { textContent: ` ${issue.message.replace(`${issue.path}: `, '— ')}` }),
        );
        return item;
      }),
    );
  }
}
