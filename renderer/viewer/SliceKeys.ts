import { utilities } from '@cornerstonejs/core';
import { PLANE_IDS, type PlaneId } from './planes';
import type { Viewer } from './Viewer';

/** What a key does to the slice: the wheel's direction, one slice a press. */
const STEPS: Record<string, number> = {
  ArrowDown: 1,
  ArrowRight: 1,
  PageDown: 1,
  ArrowUp: -1,
  ArrowLeft: -1,
  PageUp: -1,
};

/**
 * Arrow keys and PageUp/PageDown step slices, as in OHIF and 3D Slicer, in the view under the
 * pointer, else the one last clicked (the active view), else the axial one. The step is the
 * wheel's (Cornerstone's scroll), so the crosshairs and the other views follow it the same way.
 */
export class SliceKeys {
  private hovered: PlaneId | null = null;
  private active: PlaneId = 'axial';

  constructor(private readonly viewer: Viewer) {
    for (const id of PLANE_IDS) {
      const element = viewer.elements[id];
      // capture: Cornerstone's own handlers below must not keep the view from knowing
      element.addEventListener('pointermove', () => this.hover(id), { capture: true });
      element.addEventListener('pointerleave', () => {
        if (this.hovered === id) this.hovered = null;
      });
      element.addEventListener('pointerdown', () => (this.active = id), { capture: true });
    }
  }

  /**
   * The view under the pointer takes the arrows: a panel tab that kept the focus from a click
   * (where the arrows move between tabs) lets it go.
   */
  private hover(id: PlaneId): void {
    this.hovered = id;
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && focused.getAttribute('role') === 'tab') focused.blur();
  }

  /** The slice step a key stands for, 0 for none. */
  static stepOf(event: KeyboardEvent): number {
    if (event.ctrlKey || event.metaKey || event.altKey) return 0;
    return STEPS[event.key] ?? 0;
  }

  /** Steps the hovered or active view; false when there is no volume to step through. */
  step(delta: number): boolean {
    const volume = this.viewer.volume;
    if (!volume || delta === 0) return false;
    const id = this.hovered ?? this.active;
    // the volume viewport is one the scroll takes; its declared union names the class, not the interface
    const viewport = this.viewer.viewport(id) as unknown as Parameters<typeof utilities.scroll>[0];
    utilities.scroll(viewport, { delta, volumeId: volume.cornerstoneVolumeId });
    document.body.dataset.sliceKeysView = id;
    return true;
  }
}
