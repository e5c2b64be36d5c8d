import {
  defaultSegmentColor,
  type ExportSegment,
  type ImportedSegment,
  type SegmentKindName,
  type WorkstationApi,
} from '../../src/api';
import {
  type EditableSegmentation,
  type Rgb,
  type SegmentationEditor,
} from '../segmentation/SegmentationEditor';
import type { Viewer } from '../viewer/Viewer';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';
import { button, element, input, row, select } from './panelElements';

/** The short list's names as a person reads them. */
const KIND_LABELS: Record<SegmentKindName, string> = {
  organ: 'Organ',
  tumour: 'Tumour',
  lesion: 'Lesion',
  tissue: 'Tissue',
  structure: 'Anatomical structure',
  fat: 'Fat',
  bone: 'Bone',
  vessel: 'Vessel',
};
const DEFAULT_KIND: SegmentKindName = 'structure';

/** The active segmentation, uploaded as edited, with what each of its segments is. */
export interface PreparedSegmentation {
  labelmapId: string;
  name: string;
  segments: ExportSegment[];
}

/**
 * The side panel's "Export & import": what each segment of the active segmentation is (organ,
 * tumour, ... — the codes its DICOM SEG carries), and import of a DICOM SEG or NIfTI labelmap
 * onto the open series, from a path or (in a browser) an uploaded file. Export itself is the
 * toolbar's (ExportControls); PACS sending uses `prepare` too.
 */
export class ExportPanel {
  private readonly root = byTestId('export-panel');
  private readonly kindList = element('ul', {
    className: 'segment-kinds',
    testId: 'segment-kinds',
  });
  private readonly importPath = input('import-path', {
    placeholder: '/path/to/segmentation (.dcm, .nii.gz)',
    label: 'Import from',
  });
  private readonly importButton = button(
    'Import',
    'import-segmentation',
    'Import onto the open series',
  );
  private readonly fileInput = element('input', { testId: 'import-file' });
  private readonly status = element('span', {
    className: 'progress-text',
    testId: 'import-status',
  });
  /** segment kinds by segmentation id, then label value */
  private readonly kinds = new Map<string, Map<number, SegmentKindName>>();

  constructor(
    private readonly api: WorkstationApi,
    private readonly banner: ErrorBanner,
    private readonly editor: SegmentationEditor,
    private readonly viewer: Viewer,
  ) {
    this.fileInput.type = 'file';
    this.fileInput.accept = '.dcm,.nii,.gz,application/dicom';
    this.fileInput.setAttribute('aria-label', 'Import a file');
    // A browser has no path the core could read: the file goes to the host first. Electron reads paths.
    this.fileInput.hidden = window.workstationBridge !== undefined;
    this.root.append(
      element('h2', { text: 'Export & import' }),
      element('div', { className: 'hint', text: 'What each segment is (coded in a DICOM SEG):' }),
      this.kindList,
      row(this.importPath, this.importButton),
      row(this.fileInput),
      this.status,
    );
    this.importButton.addEventListener(
      'click',
      () => void this.importFrom({ path: this.importPath.value.trim() }),
    );
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      if (file) void this.importFrom({ file });
    });
    editor.onChange((change) => {
      if (change !== 'voxels') this.render();
    });
    this.render();
  }

  private kindsOf(id: string): Map<number, SegmentKindName> {
    let map = this.kinds.get(id);
    if (!map) this.kinds.set(id, (map = new Map()));
    return map;
  }

  private render(): void {
    const active = this.editor.active;
    const kinds = active ? this.kindsOf(active.id) : new Map<number, SegmentKindName>();
    this.kindList.replaceChildren(
      ...(active?.segments ?? []).map((segment) => {
        const item = element('li');
        const pick = select(
          `segment-kind-${segment.index}`,
          Object.entries(KIND_LABELS),
          `What ${segment.label} is`,
        );
        pick.value = kinds.get(segment.index) ?? DEFAULT_KIND;
        pick.addEventListener('change', () =>
          kinds.set(segment.index, pick.value as SegmentKindName),
        );
        item.append(
          element('span', { text: segment.label, className: 'segment-kind-label' }),
          pick,
        );
        return item;
      }),
    );
  }

  /** The segments of a segmentation as they leave: label, colour, kind, who made them. */
  private segmentsOf(active: EditableSegmentation): ExportSegment[] {
    const kinds = this.kindsOf(active.id);
    const ai = active.id.startsWith('ai-');
    const algorithmType = !ai
      ? 'MANUAL'
      : this.editor.edited(active.id)
        ? 'SEMIAUTOMATIC'
        : 'AUTOMATIC';
    return active.segments.map((s) => ({
      index: s.index,
      label: (s.label.trim() || `Segment ${s.index}`).slice(0, 64),
      color: s.color,
      kind: kinds.get(s.index) ?? DEFAULT_KIND,
      algorithmType,
      ...(ai ? { algorithmName: active.name.replace(/ result$/, '').slice(0, 64) || 'AI' } : {}),
    }));
  }

  /** Hands the core the active segmentation as it is now, edits included; null when there is none. */
  async prepare(): Promise<PreparedSegmentation | null> {
    const active = this.editor.active;
    const volumeId = this.viewer.volume?.info.volumeId;
    if (!active || !volumeId) return null;
    const labelmapId = `edit-${active.id}`;
    await this.api.putLabelmap(labelmapId, volumeId, this.editor.labels(active.id).slice());
    return {
      labelmapId,
      name: (active.name.trim() || 'Segmentation').slice(0, 64),
      segments: this.segmentsOf(active),
    };
  }

  private async upload(file: File): Promise<string> {
    const response = await fetch(new URL('segmentation-uploads', window.location.href), {
      method: 'PUT',
      credentials: 'same-origin',
      body: file,
    });
    const body = (await response.json().catch(() => ({}))) as { uploadId?: string; error?: string };
    if (!response.ok || !body.uploadId) {
      throw new Error(`the upload of ${file.name} failed: ${body.error ?? response.statusText}`);
    }
    return body.uploadId;
  }

  private async importFrom(source: { path?: string; file?: File }): Promise<void> {
    const volumeId = this.viewer.volume?.info.volumeId;
    if (!volumeId || (!source.path && !source.file)) return;
    this.banner.clear();
    this.importButton.disabled = true;
    this.status.textContent = 'Importing…';
    try {
      const params = source.file
        ? { volumeId, uploadId: await this.upload(source.file) }
        : { volumeId, path: source.path ?? '' };
      const imported = await this.api.call('importSegmentation', params);
      const labels = new Uint8Array(
        await this.api.fetchVoxels({ kind: 'labelmap', labelmapId: imported.labelmapId }),
      );
      const id = `import-${imported.labelmapId}`;
      const kinds = this.kindsOf(id);
      for (const s of imported.segments) if (s.kind) kinds.set(s.index, s.kind);
      await this.editor.add({
        id,
        name: source.file ? source.file.name.replace(/\.(nii(\.gz)?|dcm)$/i, '') : imported.name,
        labels,
        segments: imported.segments.map((s: ImportedSegment, n) => ({
          index: s.index,
          label: s.label,
          color: s.color ? ([...s.color] as Rgb) : defaultSegmentColor(n),
          visible: true,
          locked: false,
        })),
      });
      this.status.textContent = `Imported ${imported.format === 'dicom-seg' ? 'DICOM SEG' : 'NIfTI'}: ${imported.segments.length} segment(s)`;
    } catch (error) {
      this.status.textContent = '';
      this.banner.show('Import', error);
    } finally {
      this.importButton.disabled = false;
      this.fileInput.value = '';
    }
  }
}
