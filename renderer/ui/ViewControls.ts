import { Enums, utilities, type Types } from '@cornerstonejs/core';
import type { DisplayWindow, SeriesSummary } from '../../src/api';
import { PLANE_IDS, type PlaneId } from '../viewer/planes';
import { Viewer, type WindowPreset } from '../viewer/Viewer';
import { byTestId } from './dom';
import type { ErrorBanner } from './ErrorBanner';

export type Layout = '1x1' | '1x3' | '2x2';

/** The patient-direction letter(s) of an LPS direction: strongest component first (OHIF style). */
export function directionLabel(vector: readonly number[]): string {
  const letters: [string, string][] = [
    ['L', 'R'],
    ['P', 'A'],
    ['S', 'I'],
  ];
  return [0, 1, 2]
    .map((axis) => ({ axis, value: vector[axis] ?? 0 }))
    .filter(({ value }) => Math.abs(value) > 0.25)
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .map(({ axis, value }) => (letters[axis] ?? ['', ''])[value > 0 ? 0 : 1])
    .join('');
}

/**
 * Layout (1x1 of the active view, 1x3, 2x2 with 3D), window presets, per-view overlay text
 * (patient, series, slice, window) and orientation markers that follow each view's camera.
 */
export class ViewControls {
  private activeView: PlaneId = 'axial';
  private series: SeriesSummary | null = null;
  /** the preset in force in every view; null once a view's window was dragged away from it */
  private preset: WindowPreset | null = null;

  constructor(
    private readonly viewer: Viewer,
    private readonly banner: ErrorBanner,
  ) {
    for (const button of document.querySelectorAll<HTMLButtonElement>('[data-layout]')) {
      if (button.tagName !== 'BUTTON') continue;
      button.addEventListener('click', () => void this.setLayout(button.dataset.layout as Layout));
    }
    for (const button of document.querySelectorAll<HTMLButtonElement>('[data-preset]')) {
      button.addEventListener('click', () => this.setPreset(button.dataset.preset as WindowPreset));
    }
    for (const id of PLANE_IDS) {
      const element = viewer.elements[id];
      element.addEventListener('pointerdown', () => (this.activeView = id));
      element.addEventListener(Enums.Events.CAMERA_MODIFIED, () => this.updateSoon(id));
      element.addEventListener(Enums.Events.VOI_MODIFIED, () => {
        this.updateSoon(id);
        this.checkPreset(id);
      });
    }
  }

  /**
   * The shown series: overlay text, its own windows as presets (first), and the preset its
   * volume opened with.
   */
  setSeries(series: SeriesSummary): void {
    this.series = series;
    const info = this.viewer.volume?.info;
    if (info) {
      this.showSeriesPresets(info.windows);
      this.markPreset(Viewer.defaultPreset(info));
    }
    for (const id of PLANE_IDS) this.update(id);
  }

  setPreset(preset: WindowPreset): void {
    this.viewer.setWindow(preset);
    this.markPreset(preset);
    for (const id of PLANE_IDS) this.update(id);
  }

  /** Back to the first view and the window the series opened with, marked as in force. */
  async reset(): Promise<void> {
    await this.viewer.reset();
    const info = this.viewer.volume?.info;
    if (info) this.markPreset(Viewer.defaultPreset(info));
  }

  /** One button per window the series carries, named by its explanation, before the others. */
  private showSeriesPresets(windows: DisplayWindow[]): void {
    const row = byTestId('window-presets');
    for (const old of row.querySelectorAll('button[data-series-window]')) old.remove();
    const buttons = windows.map((window, n) => {
      const button = document.createElement('button');
      button.type = 'button';
      const preset: WindowPreset = `series-${n}`;
      button.dataset.preset = preset;
      button.dataset.seriesWindow = String(n);
      button.dataset.testid = `preset-${preset}`;
      button.textContent =
        window.explanation.trim() || (windows.length > 1 ? `Series ${n + 1}` : 'Series');
      button.title = `The series' own window: W ${window.width} L ${window.center}`;
      button.addEventListener('click', () => this.setPreset(preset));
      return button;
    });
    row.prepend(...buttons);
  }

  private markPreset(preset: WindowPreset | null): void {
    this.preset = preset;
    document.body.dataset.windowPreset = preset ?? 'custom';
    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-preset]')) {
      button.classList.toggle('active', button.dataset.preset === preset);
    }
  }

  /** A view whose window no longer is the marked preset's (a drag) leaves no preset marked. */
  private checkPreset(id: PlaneId): void {
    if (this.preset === null) return;
    const expected = this.viewer.voiOf(this.preset);
    let voi: { lower: number; upper: number } | undefined;
    try {
      voi = this.viewer.viewport(id)?.getProperties()?.voiRange;
    } catch {
      return;
    }
    if (!expected || !voi) return;
    const tolerance = 1e-3 * Math.max(1, expected.upper - expected.lower);
    if (
      Math.abs(voi.lower - expected.lower) > tolerance ||
      Math.abs(voi.upper - expected.upper) > tolerance
    )
      this.markPreset(null);
  }

  async setLayout(layout: Layout): Promise<void> {
    const views = byTestId('views');
    views.dataset.layout = layout;
    document.body.dataset.layout = layout;
    for (const section of views.querySelectorAll<HTMLElement>('.view')) {
      const id = section.dataset.view;
      section.hidden =
        layout === '1x1' ? id !== this.activeView : layout === '1x3' ? id === 'volume3d' : false;
    }
    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-layout]')) {
      button.classList.toggle('active', button.dataset.layout === layout);
    }
    try {
      if (layout === '2x2') await this.viewer.show3d(byTestId<HTMLDivElement>('viewport-volume3d'));
      // the views' ResizeObserver resizes them, keeping their cameras
      this.viewer.renderingEngine.render();
    } catch (error) {
      this.banner.show('3D view', error);
    }
  }

  cycleLayout(): void {
    const order: Layout[] = ['1x3', '2x2', '1x1'];
    const current = (byTestId('views').dataset.layout ?? '1x3') as Layout;
    void this.setLayout(order[(order.indexOf(current) + 1) % order.length] ?? '1x3');
  }

  /** views whose overlays wait for the next frame (not empty: that frame is asked for) */
  private readonly stale = new Set<PlaneId>();

  /**
   * Overlays follow the cameras once a frame: a drag, a scroll or the views' set-up send several
   * camera and window events a frame, and each update reads the slice and the window anew.
   */
  private updateSoon(id: PlaneId): void {
    const asked = this.stale.size > 0;
    this.stale.add(id);
    if (asked) return;
    requestAnimationFrame(() => {
      const views = [...this.stale];
      this.stale.clear();
      for (const view of views) this.update(view);
    });
  }

  private update(id: PlaneId): void {
    let viewport: Types.IVolumeViewport | undefined;
    try {
      viewport = this.viewer.viewport(id);
    } catch {
      return;
    }
    // camera events come while the views are being set up, before this one exists
    if (!viewport) return;
    const camera = viewport.getCamera();
    const up = camera.viewUp;
    const normal = camera.viewPlaneNormal;
    if (up && normal) {
      const right = [
        up[1] * normal[2] - up[2] * normal[1],
        up[2] * normal[0] - up[0] * normal[2],
        up[0] * normal[1] - up[1] * normal[0],
      ];
      const markers = byTestId(`orientation-${id}`);
      const neg = (v: readonly number[]) => v.map((c) => -c);
      markers.replaceChildren(
        ...(
          [
            ['top', directionLabel(up)],
            ['bottom', directionLabel(neg(up))],
            ['left', directionLabel(neg(right))],
            ['right', directionLabel(right)],
          ] as const
        ).map(([side, text]) => {
          const span = document.createElement('span');
          span.className = side;
          span.dataset.side = side;
          span.textContent = text;
          return span;
        }),
      );
    }
    const lines: string[] = [];
    if (this.series) {
      lines.push(this.series.patientName || 'Anonymous');
      lines.push([this.series.modality, this.series.seriesDescription].filter(Boolean).join(' '));
    }
    try {
      const slice = utilities.getImageSliceDataForVolumeViewport(viewport);
      if (slice) lines.push(`Slice ${(slice.imageIndex ?? 0) + 1}/${slice.numberOfSlices}`);
    } catch {
      // not rendered yet
    }
    byTestId(`overlay-${id}`).textContent = lines.join('\n');
    const voi = viewport.getProperties()?.voiRange;
    if (voi) {
      const width = voi.upper - voi.lower;
      const center = (voi.upper + voi.lower) / 2;
      byTestId(`overlay-wl-${id}`).textContent = `W ${Math.round(width)} L ${Math.round(center)}`;
    }
  }
}
