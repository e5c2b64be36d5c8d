import type { WorkstationApi } from '../../src/api';
import { byTestId, formatBytes } from './dom';
import type { ErrorBanner } from './ErrorBanner';

const DEFAULT_NAME = 'labels.nii.gz';

/**
 * Export of the shown labelmap as NIfTI. The path field is the source of truth; Browse fills it
 * from a save dialog where the transport has one (Electron) and says so where it has none.
 */
export class ExportControls {
  private readonly path = byTestId<HTMLInputElement>('export-path');
  private readonly browse = byTestId<HTMLButtonElement>('browse');
  private readonly overwrite = byTestId<HTMLInputElement>('overwrite');
  private readonly button = byTestId<HTMLButtonElement>('export');
  private readonly result = byTestId('export-result');
  private labelmapId: string | null = null;

  /**
   * `prepare` hands the core the segmentation to export (the active one, as edited) and names
   * its labelmap; without it, Export writes the labelmap set by setLabelmap.
   */
  constructor(
    private readonly api: WorkstationApi,
    private readonly banner: ErrorBanner,
    private readonly prepare?: () => Promise<string | null>,
  ) {
    this.browse.addEventListener('click', () => void this.choose());
    this.button.addEventListener('click', () => void this.run());
    this.path.addEventListener('input', () => this.update());
  }

  setDefaultPath(path: string): void {
    if (!this.path.value) this.path.value = path;
    this.update();
  }

  setLabelmap(labelmapId: string | null): void {
    this.labelmapId = labelmapId;
    this.update();
  }

  private update(): void {
    this.button.disabled = !this.labelmapId || !this.path.value.trim();
  }

  private async choose(): Promise<void> {
    try {
      const chosen = await this.api.chooseSavePath(DEFAULT_NAME);
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
      const labelmapId = (await this.prepare?.()) ?? this.labelmapId;
      const written = await this.api.call('exportLabelmap', {
        labelmapId,
        path,
        overwrite: this.overwrite.checked,
      });
      this.result.textContent = `Wrote ${written.path} (${formatBytes(written.bytes)})`;
      this.result.dataset.path = written.path;
    } catch (error) {
      this.result.textContent = '';
      this.banner.show('Export', error);
    } finally {
      this.update();
    }
  }
}
