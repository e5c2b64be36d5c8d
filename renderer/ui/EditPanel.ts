import { growIntoActiveSegment, interpolateActiveSegment } from '../segmentation/editOps';
import type { SegmentationEditor } from '../segmentation/SegmentationEditor';
import { PLANE_IDS, type PlaneId } from '../viewer/planes';
import type { PrimaryTool, Viewer } from '../viewer/Viewer';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';

/** The left-button tools, in the order the panel shows them, with their shortcut keys. */
export const TOOLS: readonly { tool: PrimaryTool; label: string; key: string; title: string }[] = [
  { tool: 'crosshairs', label: 'Crosshairs', key: 'x', title: 'Click or drag: move the planes' },
  { tool: 'windowLevel', label: 'W/L', key: 'w', title: 'Drag: window (x) and level (y)' },
  { tool: 'length', label: 'Length', key: 'm', title: 'Drag: measure a distance in mm' },
  { tool: 'brush', label: 'Brush', key: 'b', title: 'Paint the active segment' },
  {
    tool: 'eraser',
    label: 'Eraser',
    key: 'e',
    title: 'Erase the active segment (all segments: the box below)',
  },
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
  {
    tool: 'regionGrow',
    label: 'Grow',
    key: 'g',
    title: 'Click: region grow from the voxel, within ± tolerance of its intensity',
  },
];

const EDIT_TOOLS = new Set<PrimaryTool>([
  'brush',
  'eraser',
  'thresholdBrush',
  'rectangleScissors',
  'circleScissors',
  'fill',
  'regionGrow',
]);

/** The view's slices (in-plane) or 3D: where a region grow may spread. */
type GrowMode = 'plane' | '3d';

/**
 * Tool choice, brush size, threshold range, region grow (tolerance, 3D or in the view's slice),
 * undo/redo and interpolation in the plane of the view last worked in. Mirrors the active tool,
 * the history state and the last grow/interpolation on `document.body.dataset` (activeTool,
 * canUndo, canRedo, grown, growSeed, interpolated, interpolatedAxis) for tests.
 */
export class EditPanel {
  private readonly buttons = new Map<PrimaryTool, HTMLButtonElement>();
  private readonly size = byTestId<HTMLInputElement>('brush-size');
  private readonly sizeText = byTestId('brush-size-text');
  private readonly lower = byTestId<HTMLInputElement>('threshold-lower');
  private readonly upper = byTestId<HTMLInputElement>('threshold-upper');
  private readonly undoButton = byTestId<HTMLButtonElement>('undo');
  private readonly redoButton = byTestId<HTMLButtonElement>('redo');
  private readonly tolerance = document.createElement('input');
  private readonly growMode = document.createElement('select');
  /** the view the user last clicked or scrolled in: interpolation works across its slices */
  private lastView: PlaneId = 'axial';

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
    this.threshold().after(this.growField());
    grid.after(this.eraseAllField());
    for (const id of PLANE_IDS) {
      const element = viewer.elements[id];
      element.addEventListener('wheel', () => (this.lastView = id), { passive: true });
      element.addEventListener('pointerdown', (event) => {
        this.lastView = id;
        if (this.viewer.primaryTool === 'regionGrow' && event.button === 0 && !event.ctrlKey) {
          this.grow(id, event.clientX, event.clientY);
        }
      });
    }
    editor.onChange(() => this.refresh());
    // A stroke's history entry is pushed on mouse up, after its last data event.
    document.addEventListener('pointerup', () => window.setTimeout(() => this.refresh(), 0));
    this.mark('crosshairs');
    this.refresh();
  }

  /** Sets the threshold brush's initial range and the grow tolerance from the volume's window. */
  setVolumeRange(lower: number, upper: number): void {
    this.lower.value = String(Math.round(lower));
    this.upper.value = String(Math.round(upper));
    this.tolerance.value = String(Math.max(1, Math.round((upper - lower) / 10)));
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

  /** Fills between the edited slices of the active segment in the plane of the last view used. */
  interpolate(): void {
    try {
      const axis = this.viewer.viewAxis(this.lastView);
      const filled = interpolateActiveSegment(this.editor, axis);
      document.body.dataset.interpolated = String(filled);
      document.body.dataset.interpolatedAxis = String(axis);
      this.refresh();
    } catch (error) {
      this.banner.show('Interpolate', error);
    }
  }

  /** Region grow from the voxel under a click. */
  private grow(id: PlaneId, clientX: number, clientY: number): void {
    try {
      const volume = this.viewer.volume;
      const seed = this.viewer.voxelAt(id, clientX, clientY);
      if (!volume || !seed) return;
      const tolerance = Number(this.tolerance.value);
      if (!Number.isFinite(tolerance) || tolerance < 0) {
        throw new Error(`the tolerance must be a number ≥ 0, not “${this.tolerance.value}”`);
      }
      const mode = this.growMode.value as GrowMode;
      const grown = growIntoActiveSegment(this.editor, {
        values: volume.voxels,
        seed,
        tolerance,
        fixedAxis: mode === '3d' ? null : this.viewer.viewAxis(id),
      });
      document.body.dataset.grown = String(grown);
      document.body.dataset.growSeed = seed.join(',');
      this.refresh();
    } catch (error) {
      this.banner.show('Region grow', error);
    }
  }

  private threshold(): HTMLElement {
    return this.lower.closest('label') ?? this.lower;
  }

  /** Tolerance and reach of the region grow, built here to keep the page's markup unchanged. */
  private growField(): HTMLElement {
    const field = document.createElement('label');
    field.className = 'field';
    field.title = 'Region grow (G): voxels within ± tolerance of the clicked voxel';
    this.tolerance.type = 'number';
    this.tolerance.min = '0';
    this.tolerance.step = 'any';
    this.tolerance.value = '50';
    this.tolerance.dataset.testid = 'grow-tolerance';
    this.tolerance.setAttribute('aria-label', 'Region grow tolerance');
    for (const [value, text] of [
      ['plane', 'in slice'],
      ['3d', '3D'],
    ] as const) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text;
      this.growMode.append(option);
    }
    this.growMode.value = '3d';
    this.growMode.dataset.testid = 'grow-mode';
    this.growMode.setAttribute('aria-label', 'Region grow reach');
    field.append('Grow ±', this.tolerance, this.growMode);
    return field;
  }

  /**
   * "Erase all segments": off (the default), the eraser takes the active segment only, as in
   * 3D Slicer and OHIF; on, every segment under the brush.
   */
  private eraseAllField(): HTMLElement {
    const field = document.createElement('label');
    field.className = 'checkbox';
    field.title = 'Eraser (E): off, it erases the active segment only';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.dataset.testid = 'erase-all';
    box.addEventListener('change', () => {
      this.viewer.setEraseAll(box.checked);
      document.body.dataset.eraseAll = String(box.checked);
    });
    field.append(box, ' Erase all segments');
    return field;
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
