import type { SegmentationEditor } from '../segmentation/SegmentationEditor';
import { interpolateSegment } from '../segmentation/interpolate';
import type { PrimaryTool, Viewer } from '../viewer/Viewer';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';

/** The left-button tools, in the order the panel shows them, with their shortcut keys. */
export const TOOLS: readonly { tool: PrimaryTool; label: string; key: string; title: string }[] = [
  { tool: 'crosshairs', label: 'Crosshairs', key: 'c', title: 'Click or drag: move the planes' },
  { tool: 'windowLevel', label: 'W/L', key: 'w', title: 'Drag: window (x) and level (y)' },
  { tool: 'length', label: 'Length', key: 'm', title: 'Drag: measure a distance in mm' },
  { tool: 'brush', label: 'Brush', key: 'b', title: 'Paint the active segment' },
  { tool: 'eraser', label: 'Eraser', key: 'e', title: 'Erase the active segment' },
  {
    tool: 'thresholdBrush',
    label: 'Threshold',
    key: 't',
    title: 'Paint only voxels inside the intensity range',
  },
  {
    tool: 'rectangleScissors',
    label: 'Rectangle',
    key: 'r',
    title: 'Fill a rectangle (Shift: erase)',
  },
  { tool: 'circleScissors', label: 'Circle', key: 'o', title: 'Fill a circle (Shift: erase)' },
  { tool: 'fill', label: 'Fill', key: 'f', title: 'Flood-fill a closed region of the slice' },
];

const EDIT_TOOLS = new Set<PrimaryTool>([
  'brush',
  'eraser',
  'thresholdBrush',
  'rectangleScissors',
  'circleScissors',
  'fill',
]);

/**
 * Tool choice, brush size, threshold range, undo/redo and interpolation. Mirrors the active tool
 * and the history state on `document.body.dataset` (activeTool, canUndo, canRedo) for tests.
 */
export class EditPanel {
  private readonly buttons = new Map<PrimaryTool, HTMLButtonElement>();
  private readonly size = byTestId<HTMLInputElement>('brush-size');
  private readonly sizeText = byTestId('brush-size-text');
  private readonly lower = byTestId<HTMLInputElement>('threshold-lower');
  private readonly upper = byTestId<HTMLInputElement>('threshold-upper');
  private readonly undoButton = byTestId<HTMLButtonElement>('undo');
  private readonly redoButton = byTestId<HTMLButtonElement>('redo');

  constructor(
    private readonly viewer: Viewer,
    private readonly editor: SegmentationEditor,
    private readonly banner: ErrorBanner,
  ) {
    const grid = byTestId('tools');
    for (const { tool, label, key, title } of TOOLS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.title = `${title} (${key.toUpperCase()})`;
      button.dataset.testid = `tool-${tool}`;
      button.addEventListener('click', () => this.select(tool));
      grid.append(button);
      this.buttons.set(tool, button);
    }
    this.size.addEventListener('input', () => this.applySize());
    for (const input of [this.lower, this.upper]) {
      input.addEventListener('change', () => this.applyThreshold());
    }
    this.undoButton.addEventListener('click', () => this.undo());
    this.redoButton.addEventListener('click', () => this.redo());
    byTestId('interpolate').addEventListener('click', () => this.interpolate());
    editor.onChange(() => this.refresh());
    // A stroke's history entry is pushed on mouse up, after its last data event.
    document.addEventListener('pointerup', () => window.setTimeout(() => this.refresh(), 0));
    this.mark('crosshairs');
    this.refresh();
  }

  /** Sets the threshold brush's initial range from the volume's window. */
  setVolumeRange(lower: number, upper: number): void {
    this.lower.value = String(Math.round(lower));
    this.upper.value = String(Math.round(upper));
    this.applyThreshold();
    this.applySize();
  }

  select(tool: PrimaryTool): void {
    try {
      if (EDIT_TOOLS.has(tool) && !this.editor.active) {
        throw new Error('there is no segmentation to edit: add one in the Segmentation panel');
      }
      this.viewer.setPrimaryTool(tool);
      this.mark(tool);
    } catch (error) {
      this.banner.show('Tool', error);
    }
  }

  changeSize(factor: number): void {
    const next = Math.min(60, Math.max(1, Math.round(Number(this.size.value) * factor)));
    this.size.value = String(
      next === Number(this.size.value) ? next + Math.sign(factor - 1) : next,
    );
    this.applySize();
  }

  undo(): void {
    this.editor.undo();
    this.refresh();
  }

  redo(): void {
    this.editor.redo();
    this.refresh();
  }

  interpolate(): void {
    try {
      const active = this.editor.active;
      if (!active) throw new Error('no segmentation is active');
      const filled = interpolateSegment(this.editor, active.id, this.editor.activeSegment);
      document.body.dataset.interpolated = String(filled);
      this.refresh();
    } catch (error) {
      this.banner.show('Interpolate', error);
    }
  }

  refresh(): void {
    this.undoButton.disabled = !this.editor.canUndo;
    this.redoButton.disabled = !this.editor.canRedo;
    document.body.dataset.canUndo = String(this.editor.canUndo);
    document.body.dataset.canRedo = String(this.editor.canRedo);
  }

  private mark(tool: PrimaryTool): void {
    for (const [name, button] of this.buttons) button.classList.toggle('active', name === tool);
    document.body.dataset.activeTool = tool;
  }

  private applySize(): void {
    const mm = Number(this.size.value);
    this.sizeText.textContent = `${mm} mm`;
    this.viewer.setBrushSize(mm);
  }

  private applyThreshold(): void {
    const lower = Number(this.lower.value);
    const upper = Number(this.upper.value);
    if (!Number.isFinite(lower) || !Number.isFinite(upper)) return;
    this.viewer.setThresholdRange(Math.min(lower, upper), Math.max(lower, upper));
  }
}
