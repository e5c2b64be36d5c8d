import { ApiError, type WorkstationApi } from '../../src/api';
import { byTestId, formatBytes } from './dom';
import type { ErrorBanner } from './ErrorBanner';
import type { PreparedSegmentation } from './ExportPanel';
import { select } from './panelElements';

type Format = 'nifti' | 'dicom-seg';
const EXTENSIONS: Record<Format, RegExp> = { nifti: /\.nii(\.gz)?$/i, 'dicom-seg': /\.dcm$/i };
const DEFAULT_NAMES: Record<Format, string> = {
  nifti: 'labels.nii.gz',
  'dicom-seg': 'segmentation.seg.dcm',
};

/**
 * Export of the active segmentation as NIfTI (with its label tables) or DICOM SEG, from the
 * toolbar. The path field is the source of truth; Browse fills it from a save dialog where the
 * transport has one (Electron). A file that exists is replaced only when "overwrite" is ticked
 * or the user confirms it.
 */
export class ExportControls {
  private readonly path = byTestId<HTMLInputElement>('export-path');
  private readonly browse = byTestId<HTMLButtonElement>('browse');
  private readonly overwrite = byTestId<HTMLInputElement>('overwrite');
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

  /** `prepare` hands the core the active segmentation, as edited, with its segments' kinds. */
  constructor(
    private readonly api: WorkstationApi,
    private readonly banner: ErrorBanner,
    private readonly prepare: () => Promise<PreparedSegmentation | null>,
  ) {
    this.path.before(this.format);
    this.browse.addEventListener('click', () => void this.choose());
    this.button.addEventListener('click', () => void this.run());
    this.path.addEventListener('input', () => this.update());
    this.format.addEventListener('change', () => this.switchFormat());
  }

  setDefaultPath(path: string): void {
    if (!this.path.value) this.path.value = path;
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

  /** Keeps the file name's extension in step with the format. */
  private switchFormat(): void {
    const format = this.chosenFormat;
    const other: Format = format === 'nifti' ? 'dicom-seg' : 'nifti';
    const path = this.path.value.trim();
    if (path && EXTENSIONS[other].test(path)) {
      this.path.value = path.replace(
        format === 'nifti' ? /(\.seg)?\.dcm$/i : /\.nii(\.gz)?$/i,
        format === 'nifti' ? '.nii.gz' : '.seg.dcm',
      );
    }
    this.update();
  }

  private update(): void {
    this.button.disabled = !this.labelmapId || !this.path.value.trim();
  }

  private async choose(): Promise<void> {
    try {
      const chosen = await this.api.chooseSavePath(DEFAULT_NAMES[this.chosenFormat]);
      if (chosen) {
        this.path.value = chosen;
        this.update();
      } else {
        this.result.textContent = 'No save dialog here: type the path in the field.';
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
    this.result.textContent = 'Exporting…';
    try {
      const prepared = await this.prepare();
      if (!prepared) throw new Error('there is no segmentation to export');
      const params = {
        labelmapId: prepared.labelmapId,
        format: this.chosenFormat,
        path,
        name: prepared.name,
        segments: prepared.segments,
      };
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
      this.result.textContent = `Wrote ${main}${beside.length ? ` and ${beside.length} label tables` : ''} (${formatBytes(written.bytes)})`;
      this.result.dataset.path = main;
    } catch (error) {
      this.result.textContent = '';
      this.banner.show('Export', error);
    } finally {
      this.update();
    }
  }
}
