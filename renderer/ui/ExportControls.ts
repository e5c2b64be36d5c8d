import { ApiError, type WorkstationApi } from '../../src/api';
import { byTestId, formatBytes, joinPath } from './dom';
import type { ErrorBanner } from './ErrorBanner';
import type { PreparedSegmentation } from './ExportPanel';
import { select } from './panelElements';

type Format = 'nifti' | 'dicom-seg';
const EXTENSIONS: Record<Format, RegExp> = {
  nifti: /\.nii(\.gz)?$/i,
  'dicom-seg': /(\.seg)?\.dcm$/i,
};
const EXTENSION_OF: Record<Format, string> = { nifti: '.nii.gz', 'dicom-seg': '.dcm' };
const DEFAULT_STEM = 'segmentation';

/** What the browser host answers to POST /segmentation-downloads (src/host/segmentationDownload.ts). */
interface PreparedDownload {
  downloadId: string;
  files: { name: string; bytes: number }[];
}

/**
 * Export of the active segmentation as NIfTI (with its label tables) or DICOM SEG, from the
 * Export tab. In Electron the field is a path on this computer, which Browse fills from the save
 * dialog; a file that exists is replaced only when "overwrite" is ticked or the user confirms it.
 * In a browser the host's disk is not the user's: the field is a file name, and Export has the
 * host write the file privately and the browser download it with its label tables.
 */
export class ExportControls {
  private readonly path = byTestId<HTMLInputElement>('export-path');
  private readonly pathLabel = byTestId('export-path-label');
  private readonly browse = byTestId<HTMLButtonElement>('browse');
  private readonly overwrite = byTestId<HTMLInputElement>('overwrite');
  private readonly overwriteLabel = byTestId('overwrite-label');
  private readonly button = byTestId<HTMLButtonElement>('export');
  private readonly result = byTestId('export-result');
  private readonly format = select(
    'export-format',
    [
      ['nifti', 'NIfTI'],
      ['dicom-seg', 'DICOM SEG'],
    ],
    'Export format',
  );
  private labelmapId: string | null = null;
  /** a browser downloads; Electron saves where its dialog says */
  private readonly downloads = window.workstationBridge === undefined;

  /** `prepare` hands the core the active segmentation, as edited, with its segments' kinds. */
  constructor(
    private readonly api: WorkstationApi,
    private readonly banner: ErrorBanner,
    private readonly prepare: () => Promise<PreparedSegmentation | null>,
  ) {
    this.pathLabel.before(this.format);
    this.pathLabel.textContent = this.downloads ? 'File name' : 'Save to';
    this.path.placeholder = this.downloads
      ? `${DEFAULT_STEM}${EXTENSION_OF.nifti}`
      : `/path/to/${DEFAULT_STEM}${EXTENSION_OF.nifti}`;
    this.browse.hidden = this.downloads;
    this.overwriteLabel.hidden = this.downloads;
    this.button.textContent = this.downloads ? 'Download' : 'Export';
    this.browse.addEventListener('click', () => void this.choose());
    this.button.addEventListener('click', () => void this.run());
    this.path.addEventListener('input', () => this.update());
    this.format.addEventListener('change', () => this.switchFormat());
  }

  /** The field's first value: a file name in a browser, a path in the export folder in Electron. */
  setDefaultFolder(folder: string): void {
    const name = `${DEFAULT_STEM}${EXTENSION_OF[this.chosenFormat]}`;
    if (!this.path.value) this.path.value = this.downloads ? name : joinPath(folder, name);
    this.update();
  }

  /** Enables Export once there is something to export. */
  setLabelmap(labelmapId: string | null): void {
    this.labelmapId = labelmapId;
    this.update();
  }

  private get chosenFormat(): Format {
    return this.format.value as Format;
  }

  /** Keeps the file name's extension in step with the format: seg.nii.gz <-> seg.dcm. */
  private switchFormat(): void {
    const format = this.chosenFormat;
    const other: Format = format === 'nifti' ? 'dicom-seg' : 'nifti';
    const path = this.path.value.trim();
    if (path && EXTENSIONS[other].test(path)) {
      this.path.value = path.replace(EXTENSIONS[other], EXTENSION_OF[format]);
    }
    this.update();
  }

  private update(): void {
    this.button.disabled = !this.labelmapId || !this.path.value.trim();
  }

  private async choose(): Promise<void> {
    try {
      const format = this.chosenFormat;
      const chosen = await this.api.chooseSavePath(`${DEFAULT_STEM}${EXTENSION_OF[format]}`);
      if (chosen) {
        this.path.value = chosen;
        this.update();
      }
    } catch (error) {
      this.banner.show('Choose a file', error);
    }
  }

  private async run(): Promise<void> {
    const path = this.path.value.trim();
    if (!this.labelmapId || !path) return;
    this.button.disabled = true;
    this.banner.clear();
    this.result.replaceChildren('Exporting…');
    try {
      const prepared = await this.prepare();
      if (!prepared) throw new Error('there is no segmentation to export');
      const params = {
        labelmapId: prepared.labelmapId,
        format: this.chosenFormat,
        name: prepared.name,
        segments: prepared.segments,
      };
      if (this.downloads) await this.download({ ...params, fileName: path });
      else await this.save({ ...params, path });
    } catch (error) {
      this.result.replaceChildren();
      this.banner.show('Export', error);
    } finally {
      this.update();
    }
  }

  private async save(params: {
    labelmapId: string;
    format: Format;
    path: string;
    name: string;
    segments: PreparedSegmentation['segments'];
  }): Promise<void> {
    let written;
    try {
      written = await this.api.call('exportSegmentation', {
        ...params,
        overwrite: this.overwrite.checked,
      });
    } catch (error) {
      const exists = error instanceof ApiError && error.code === 'exists';
      if (!exists || !window.confirm(`${error.message}\n\nReplace it?`)) throw error;
      written = await this.api.call('exportSegmentation', { ...params, overwrite: true });
    }
    const [main, ...beside] = written.paths;
    this.result.replaceChildren(
      `Wrote ${main}${beside.length ? ` and ${beside.length} label tables` : ''} (${formatBytes(written.bytes)})`,
    );
    this.result.dataset.path = main;
  }

  /** The host writes the files privately; the browser downloads each (the label tables too). */
  private async download(params: {
    labelmapId: string;
    format: Format;
    fileName: string;
    name: string;
    segments: PreparedSegmentation['segments'];
  }): Promise<void> {
    const response = await fetch(new URL('segmentation-downloads', window.location.href), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(params),
    });
    const answer = (await response.json().catch(() => ({}))) as Partial<PreparedDownload> & {
      error?: { code: string; message: string };
    };
    if (!response.ok || !answer.downloadId || !answer.files) {
      throw new Error(answer.error?.message ?? `the export failed: HTTP ${response.status}`);
    }
    const links = answer.files.map((file) => {
      const link = document.createElement('a');
      link.href = new URL(
        `segmentation-downloads/${answer.downloadId}/${encodeURIComponent(file.name)}`,
        window.location.href,
      ).href;
      link.download = file.name;
      link.textContent = file.name;
      link.dataset.testid = `download-${file.name}`;
      return link;
    });
    const bytes = answer.files.reduce((sum, file) => sum + file.bytes, 0);
    const [main, ...beside] = answer.files;
    this.result.replaceChildren(
      `Downloaded ${main?.name ?? ''}${beside.length ? ` and ${beside.length} label tables` : ''} (${formatBytes(bytes)}): `,
      ...links,
    );
    this.result.dataset.path = main?.name ?? '';
    for (const link of links) link.click();
  }
}
