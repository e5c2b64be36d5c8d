import { whenPointerFree } from '../segmentation/pointerIdle';
import { labelHash, type Rgb, type SegmentationEditor } from '../segmentation/SegmentationEditor';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';

const VOLUME_DELAY_MS = 250;

function toHex(color: Rgb): string {
  return `#${color.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

function fromHex(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/**
 * The segments of the active segmentation: pick the active one (click its row), rename, colour,
 * show/hide, lock, delete, and its volume in ml. The segmentation itself is picked in the select.
 */
export class SegmentsPanel {
  private readonly list = byTestId<HTMLUListElement>('segment-list');
  private readonly select = byTestId<HTMLSelectElement>('segmentation-select');
  private volumeTimer = 0;

  constructor(
    private readonly editor: SegmentationEditor,
    private readonly banner: ErrorBanner,
    private readonly onNewSegmentation: () => Promise<void>,
    private readonly onDeleteSegmentation: (id: string) => Promise<void>,
  ) {
    byTestId('delete-segmentation').addEventListener('click', () => {
      const active = editor.active;
      if (!active || !window.confirm(`Delete “${active.name}”? This cannot be undone.`)) return;
      onDeleteSegmentation(active.id).catch((error: unknown) =>
        banner.show('Delete segmentation', error),
      );
    });
    byTestId('add-segment').addEventListener('click', () =>
      this.guard('Add segment', () => void editor.addSegment()),
    );
    byTestId('new-segmentation').addEventListener('click', () => {
      onNewSegmentation().catch((error: unknown) => banner.show('New segmentation', error));
    });
    this.select.addEventListener('change', () =>
      this.guard('Segmentation', () => editor.setActive(this.select.value)),
    );
    editor.onChange((change) => {
      if (change === 'voxels') this.scheduleVolumes();
      else if (change === 'active' && this.markActive()) return;
      else this.render();
    });
    this.render();
  }

  private guard(context: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.banner.show(context, error);
    }
  }

  private render(): void {
    const active = this.editor.active;
    this.select.replaceChildren(
      ...this.editor.segmentations.map((s) => {
        const option = document.createElement('option');
        option.value = s.id;
        option.textContent = s.name;
        option.selected = s.id === active?.id;
        return option;
      }),
    );
    document.body.dataset.activeSegmentation = active?.id ?? '';
    document.body.dataset.activeSegment = String(this.editor.activeSegment);
    const rows = (active?.segments ?? []).map((segment) => {
      const row = document.createElement('li');
      row.dataset.testid = `segment-${segment.index}`;
      row.classList.toggle('active', segment.index === this.editor.activeSegment);
      row.addEventListener('click', (event) => {
        if ((event.target as HTMLElement).closest('button, input[type="color"]')) return;
        this.guard('Segment', () => this.editor.setActiveSegment(segment.index));
      });

      const color = document.createElement('input');
      color.type = 'color';
      color.value = toHex(segment.color);
      color.title = 'Colour';
      color.dataset.testid = `segment-color-${segment.index}`;
      color.addEventListener('change', () =>
        this.guard('Colour', () =>
          this.editor.updateSegment(segment.index, { color: fromHex(color.value) }),
        ),
      );

      const name = document.createElement('input');
      name.type = 'text';
      name.value = segment.label;
      name.className = 'segment-name';
      name.title = segment.label;
      name.dataset.testid = `segment-name-${segment.index}`;
      name.addEventListener('change', () =>
        this.guard('Rename', () =>
          this.editor.updateSegment(segment.index, { label: name.value.trim() || segment.label }),
        ),
      );
      name.addEventListener('keydown', (event) => event.stopPropagation());

      const visible = this.toggle(
        segment.visible ? 'Hide' : 'Show',
        'Show / hide',
        `segment-visible-${segment.index}`,
      );
      visible.setAttribute('aria-pressed', String(segment.visible));
      visible.addEventListener('click', () =>
        this.guard('Show / hide', () =>
          this.editor.updateSegment(segment.index, { visible: !segment.visible }),
        ),
      );
      const lock = this.toggle(
        segment.locked ? 'Unlock' : 'Lock',
        'Lock against edits',
        `segment-lock-${segment.index}`,
      );
      lock.setAttribute('aria-pressed', String(segment.locked));
      lock.addEventListener('click', () =>
        this.guard('Lock', () =>
          this.editor.updateSegment(segment.index, { locked: !segment.locked }),
        ),
      );
      const remove = this.toggle('✕', 'Delete (undoable)', `segment-delete-${segment.index}`);
      remove.addEventListener('click', () =>
        this.guard('Delete segment', () => this.editor.deleteSegment(segment.index)),
      );

      const volume = document.createElement('span');
      volume.className = 'segment-volume';
      volume.dataset.testid = `segment-volume-${segment.index}`;
      row.append(color, name, volume, visible, lock, remove);
      return row;
    });
    this.list.replaceChildren(...rows);
    this.scheduleVolumes(0);
  }

  /** Marks the active row in place; false when the list shows another segmentation. */
  private markActive(): boolean {
    const active = this.editor.active;
    if (!active || this.select.value !== active.id) return false;
    if (this.list.children.length !== active.segments.length) return false;
    document.body.dataset.activeSegment = String(this.editor.activeSegment);
    for (const row of this.list.children) {
      const testId = (row as HTMLElement).dataset.testid;
      row.classList.toggle('active', testId === `segment-${this.editor.activeSegment}`);
    }
    return true;
  }

  private toggle(text: string, title: string, testId: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'icon';
    button.textContent = text;
    button.title = title;
    button.dataset.testid = testId;
    return button;
  }

  private scheduleVolumes(delay = VOLUME_DELAY_MS): void {
    window.clearTimeout(this.volumeTimer);
    this.volumeTimer = window.setTimeout(() => whenPointerFree(this.showVolumesNow), delay);
  }

  private readonly showVolumesNow = () => this.showVolumes();

  /** Volume of each segment in ml; the active segmentation's labelled voxels on the body. */
  private showVolumes(): void {
    const active = this.editor.active;
    if (!active) {
      document.body.dataset.segmentVoxels = '0';
      return;
    }
    let counts: number[];
    try {
      counts = this.editor.counts(active.id);
    } catch {
      return;
    }
    const ml = this.editor.voxelMl();
    let labelled = 0;
    for (let value = 1; value < counts.length; value++) labelled += counts[value] ?? 0;
    document.body.dataset.segmentVoxels = String(labelled);
    document.body.dataset.segmentHash = labelHash(this.editor.labels(active.id));
    for (const segment of active.segments) {
      const cell = this.list.querySelector(`[data-testid="segment-volume-${segment.index}"]`);
      if (!cell) continue;
      const voxels = counts[segment.index] ?? 0;
      cell.textContent = `${(voxels * ml).toFixed(2)} ml`;
      (cell as HTMLElement).dataset.voxels = String(voxels);
    }
  }
}
