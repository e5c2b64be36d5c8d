import type {
  ApiEvent,
  PacsSeries,
  PacsServerInfo,
  PacsStudy,
  WorkstationApi,
} from '../../src/api';
import type { JobEvents } from '../api/JobEvents';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';
import type { PreparedSegmentation } from './ExportPanel';
import { button, element, field, input, row, select } from './panelElements';

/** "Smith^John" as a person writes it. */
function personName(dicom: string): string {
  const [family = '', given = ''] = dicom.split('^');
  return [given, family].filter(Boolean).join(' ') || dicom;
}

function dicomDate(value: string): string {
  return /^\d{8}$/.test(value)
    ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`
    : value;
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'server'
  );
}

/**
 * DICOMweb servers and their studies: the settings form (the password or token is write-only:
 * the core keeps it and says only whether one is stored), Test, a QIDO search of studies whose
 * rows open their series, Retrieve into the library with progress and Cancel (retrieving again
 * resumes a cut or cancelled one), and Send SEG of the active segmentation.
 * `document.body.dataset.pacsJob` says where the last retrieve is: running, done, failed, cancelled.
 */
export class PacsPanel {
  private readonly root = byTestId('pacs-panel');
  private readonly server = select('pacs-server', [], 'PACS server');
  private readonly form = element('div', { className: 'pacs-form', testId: 'pacs-form' });
  private readonly name = input('pacs-name', { label: 'Name', placeholder: 'Hospital PACS' });
  private readonly url = input('pacs-url', {
    label: 'DICOMweb URL',
    placeholder: 'https://pacs.example.org/dicom-web',
  });
  private readonly auth = select(
    'pacs-auth',
    [
      ['none', 'No authentication'],
      ['basic', 'User and password'],
      ['bearer', 'Bearer token'],
    ],
    'Authentication',
  );
  private readonly username = input('pacs-username', { label: 'User name' });
  private readonly secret = input('pacs-secret', { type: 'password', label: 'Password or token' });
  private readonly status = element('span', { className: 'progress-text', testId: 'pacs-status' });
  private readonly patientName = input('pacs-patient-name', { placeholder: 'Patient name' });
  private readonly patientId = input('pacs-patient-id', { placeholder: 'Patient ID' });
  private readonly studyDate = input('pacs-date', { placeholder: 'YYYYMMDD-YYYYMMDD' });
  private readonly modality = input('pacs-modality', { placeholder: 'Modality' });
  private readonly accession = input('pacs-accession', { placeholder: 'Accession' });
  private readonly results = element('table', {
    className: 'pacs-results',
    testId: 'pacs-results',
  });
  private readonly progress = element('progress', { testId: 'pacs-progress' });
  private readonly progressText = element('span', {
    className: 'progress-text',
    testId: 'pacs-progress-text',
  });
  private readonly cancel = button(
    'Cancel',
    'pacs-cancel',
    'Stop the retrieve (Retrieve again resumes it)',
  );
  private readonly discard = button(
    'Discard',
    'pacs-discard',
    'Drop the images the interrupted retrieve brought (instead of resuming it)',
  );
  /** the series of the last retrieve that did not finish */
  private interrupted: string | null = null;
  private readonly sendStatus = element('span', {
    className: 'progress-text',
    testId: 'pacs-send-status',
  });
  private servers: PacsServerInfo[] = [];
  /** the server being edited; null for a new one */
  private editing: PacsServerInfo | null = null;
  private jobId: string | null = null;

  constructor(
    private readonly api: WorkstationApi,
    private readonly jobs: JobEvents,
    private readonly banner: ErrorBanner,
    private readonly prepare: () => Promise<PreparedSegmentation | null>,
    /** told when a retrieved series is in the library (the series browser lists it then) */
    private readonly onRetrieved: (seriesIds: string[]) => void = () => undefined,
  ) {
    const edit = button('Edit', 'pacs-edit', 'Change this server’s settings');
    const add = button('New', 'pacs-new', 'Add a DICOMweb server');
    const remove = button('Remove', 'pacs-remove', 'Forget this server and its password');
    const test = button('Test', 'pacs-test', 'Ask the server for one study');
    const save = button('Save', 'pacs-save');
    const close = button('Cancel', 'pacs-form-cancel');
    const search = button('Search', 'pacs-search', 'Search studies (QIDO-RS)');
    const send = button(
      'Send SEG',
      'pacs-send',
      'Send the active segmentation as a DICOM SEG (STOW-RS)',
    );
    this.progress.max = 1;
    this.progress.value = 0;
    this.progress.setAttribute('aria-label', 'Retrieve progress');
    this.cancel.hidden = true;
    this.discard.hidden = true;
    this.form.hidden = true;
    this.form.append(
      field('Name', this.name),
      field('URL', this.url),
      field('Auth', this.auth),
      field('User', this.username),
      field('Secret', this.secret),
      row(save, close),
    );
    this.root.append(
      element('h2', { text: 'PACS (DICOMweb)' }),
      row(this.server, edit, add, remove, test),
      this.form,
      this.status,
      row(this.patientName, this.patientId),
      row(this.studyDate, this.modality, this.accession, search),
      this.results,
      row(this.progress, this.cancel, this.discard),
      this.progressText,
      row(send, this.sendStatus),
    );
    this.auth.addEventListener('change', () => this.showAuthFields());
    edit.addEventListener('click', () => this.openForm(this.current()));
    add.addEventListener('click', () => this.openForm(null));
    close.addEventListener('click', () => (this.form.hidden = true));
    save.addEventListener('click', () => void this.guard('PACS server', () => this.save()));
    remove.addEventListener('click', () => void this.guard('Remove server', () => this.remove()));
    test.addEventListener('click', () => void this.guard('Test connection', () => this.test()));
    search.addEventListener('click', () => void this.guard('PACS search', () => this.search()));
    this.cancel.addEventListener('click', () => {
      if (this.jobId)
        void this.guard('Cancel', () => this.api.call('cancelJob', { jobId: this.jobId ?? '' }));
    });
    this.discard.addEventListener(
      'click',
      () => void this.guard('Discard', () => this.dropInterrupted()),
    );
    send.addEventListener('click', () => void this.guard('Send SEG', () => this.send()));
    void this.guard('PACS servers', () => this.reload());
  }

  private async guard(context: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.banner.show(context, error);
    }
  }

  private current(): PacsServerInfo | null {
    return this.servers.find((s) => s.id === this.server.value) ?? null;
  }

  private async reload(selected?: string): Promise<void> {
    this.servers = await this.api.call('listPacsServers', {});
    this.server.replaceChildren(
      ...this.servers.map((s) => {
        const option = element('option', { text: s.name });
        option.value = s.id;
        return option;
      }),
    );
    if (selected) this.server.value = selected;
    if (this.servers.length === 0) this.status.textContent = 'No server yet: New adds one.';
  }

  private showAuthFields(): void {
    const auth = this.auth.value;
    (this.username.parentElement as HTMLElement).hidden = auth !== 'basic';
    (this.secret.parentElement as HTMLElement).hidden = auth === 'none';
  }

  private openForm(server: PacsServerInfo | null): void {
    this.editing = server;
    this.name.value = server?.name ?? '';
    this.url.value = server?.url ?? '';
    this.auth.value = server?.auth ?? 'basic';
    this.username.value = server?.username ?? '';
    // Write-only: the stored secret never comes back, the field only replaces it.
    this.secret.value = '';
    this.secret.placeholder = server?.hasCredentials ? 'stored: leave empty to keep' : '';
    this.showAuthFields();
    this.form.hidden = false;
  }

  private async save(): Promise<void> {
    const name = this.name.value.trim();
    let id = this.editing?.id;
    if (!id) {
      const base = slug(name);
      id = base;
      for (let n = 2; this.servers.some((s) => s.id === id); n++) id = `${base}-${n}`;
    }
    const auth = this.auth.value as PacsServerInfo['auth'];
    const secret = this.secret.value;
    const saved = await this.api.call('savePacsServer', {
      id,
      name,
      url: this.url.value.trim(),
      auth,
      ...(auth === 'basic' ? { username: this.username.value.trim() } : {}),
      ...(auth !== 'none' && secret ? { secret } : {}),
    });
    this.secret.value = '';
    this.form.hidden = true;
    await this.reload(saved.id);
    this.status.textContent = `Saved ${saved.name}${saved.hasCredentials ? ' (credentials stored)' : ''}${
      saved.credentialsInClear ? ': plain http, the password crosses the network unencrypted' : ''
    }`;
  }

  private async remove(): Promise<void> {
    const server = this.current();
    if (!server || !window.confirm(`Forget the server “${server.name}” and its credentials?`))
      return;
    await this.api.call('removePacsServer', { id: server.id });
    await this.reload();
    this.status.textContent = `Removed ${server.name}`;
  }

  private requireServer(): PacsServerInfo {
    const server = this.current();
    if (!server) throw new Error('add a PACS server first (New)');
    return server;
  }

  private async test(): Promise<void> {
    const server = this.requireServer();
    this.status.textContent = `Asking ${server.name}…`;
    try {
      const answer = await this.api.call('testPacsServer', { id: server.id });
      this.status.textContent = `${server.name} answers (${answer.milliseconds} ms)`;
      this.status.dataset.ok = 'true';
    } catch (error) {
      this.status.textContent = `${server.name}: no connection`;
      this.status.dataset.ok = 'false';
      throw error;
    }
  }

  private async search(): Promise<void> {
    const server = this.requireServer();
    const text = (field: HTMLInputElement) => field.value.trim() || undefined;
    this.results.replaceChildren();
    const studies = await this.api.call('searchPacsStudies', {
      serverId: server.id,
      patientName: text(this.patientName),
      patientId: text(this.patientId),
      studyDate: text(this.studyDate),
      modality: text(this.modality),
      accessionNumber: text(this.accession),
    });
    this.status.textContent = `${studies.length} ${studies.length === 1 ? 'study' : 'studies'} found`;
    this.results.replaceChildren(...studies.map((study) => this.studyRow(server, study)));
  }

  private studyRow(server: PacsServerInfo, study: PacsStudy): HTMLTableSectionElement {
    const body = element('tbody');
    const head = element('tr', { className: 'pacs-study', testId: 'pacs-study' });
    head.dataset.studyUid = study.studyInstanceUid;
    head.title = 'Show its series';
    for (const text of [
      personName(study.patientName),
      study.patientId,
      dicomDate(study.studyDate),
      study.modalities.join('/'),
      study.studyDescription,
    ]) {
      head.append(element('td', { text }));
    }
    let open = false;
    head.addEventListener('click', () => {
      open = !open;
      for (const r of [...body.querySelectorAll('tr.pacs-series')]) r.remove();
      if (open)
        void this.guard('PACS series', async () => {
          const series = await this.api.call('searchPacsSeries', {
            serverId: server.id,
            studyInstanceUid: study.studyInstanceUid,
          });
          body.append(...series.map((s) => this.seriesRow(server, s)));
        });
    });
    body.append(head);
    return body;
  }

  private seriesRow(server: PacsServerInfo, series: PacsSeries): HTMLTableRowElement {
    const tr = element('tr', { className: 'pacs-series', testId: 'pacs-series' });
    tr.dataset.seriesUid = series.seriesInstanceUid;
    const retrieve = button(
      'Retrieve',
      'pacs-retrieve',
      'Bring the series into the library (WADO-RS)',
    );
    retrieve.addEventListener(
      'click',
      () => void this.guard('Retrieve', () => this.retrieve(server, series)),
    );
    const cell = element('td');
    cell.colSpan = 4;
    cell.textContent = `${series.modality} #${series.seriesNumber ?? '?'} ${series.seriesDescription} (${series.numberOfInstances ?? '?'} images)`;
    const action = element('td');
    action.append(retrieve);
    tr.append(cell, action);
    return tr;
  }

  private async retrieve(server: PacsServerInfo, series: PacsSeries): Promise<void> {
    this.banner.clear();
    this.progress.value = 0;
    this.progressText.textContent = `Retrieving ${series.seriesDescription || series.seriesInstanceUid}…`;
    document.body.dataset.pacsJob = 'running';
    const { jobId } = await this.api.call('retrievePacsSeries', {
      serverId: server.id,
      studyInstanceUid: series.studyInstanceUid,
      seriesInstanceUid: series.seriesInstanceUid,
    });
    this.jobId = jobId;
    this.interrupted = series.seriesInstanceUid;
    this.discard.hidden = true;
    this.cancel.hidden = false;
    this.jobs.follow(jobId, (event) => this.onEvent(event));
  }

  private onEvent(event: ApiEvent): void {
    if (event.jobId !== this.jobId) return;
    if (event.type === 'job.progress') {
      this.progress.value = event.total ? event.done / event.total : 0;
      this.progressText.textContent = `Retrieving: ${event.done} of ${event.total} images`;
      return;
    }
    this.cancel.hidden = true;
    this.jobId = null;
    if (event.type === 'pacs.retrieved') {
      this.progress.value = 1;
      this.progressText.textContent = `In the library: ${event.instances} images${
        event.resumed ? ` (${event.resumed} kept from the interrupted retrieve)` : ''
      }`;
      this.progressText.dataset.seriesIds = event.seriesIds.join(' ');
      document.body.dataset.pacsJob = 'done';
      this.interrupted = null;
      this.onRetrieved(event.seriesIds);
    } else if (event.type === 'job.failed') {
      this.progressText.textContent = 'Retrieve failed: nothing was added to the library';
      document.body.dataset.pacsJob = 'failed';
      this.discard.hidden = false;
      this.banner.show('Retrieve', new Error(event.error.message));
    } else if (event.type === 'job.cancelled') {
      this.progressText.textContent = 'Retrieve cancelled: Retrieve again resumes it';
      document.body.dataset.pacsJob = 'cancelled';
      this.discard.hidden = false;
    }
  }

  private async dropInterrupted(): Promise<void> {
    if (!this.interrupted) return;
    await this.api.call('discardPacsRetrieve', { seriesInstanceUid: this.interrupted });
    this.interrupted = null;
    this.discard.hidden = true;
    this.progress.value = 0;
    this.progressText.textContent = 'Discarded the interrupted retrieve';
  }

  private async send(): Promise<void> {
    const server = this.requireServer();
    this.banner.clear();
    this.sendStatus.textContent = 'Sending…';
    try {
      const prepared = await this.prepare();
      if (!prepared) throw new Error('there is no segmentation to send');
      const sent = await this.api.call('sendSegmentationToPacs', {
        serverId: server.id,
        labelmapId: prepared.labelmapId,
        name: prepared.name,
        segments: prepared.segments,
      });
      this.sendStatus.textContent = `Sent to ${server.name}`;
      this.sendStatus.dataset.seriesUid = sent.seriesInstanceUid;
    } catch (error) {
      this.sendStatus.textContent = '';
      throw error;
    }
  }
}
