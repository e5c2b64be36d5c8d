import { cache, type Types } from '@cornerstonejs/core';
import type { Viewer } from '../viewer/Viewer';
import type { EditableSegmentation, SegmentationEditor } from './SegmentationEditor';

/** Quiet time after the last edit before the 3D view uploads the labels again. */
const UPDATE_DELAY_MS = 400;
const SEGMENT_OPACITY = 0.85;
/** How much thinner the image's rendering gets while segments show: they lie inside it. */
const IMAGE_THINNING = 12;

interface TransferFunctions {
  removeAllPoints(): void;
  addRGBPoint(x: number, r: number, g: number, b: number): void;
  addPoint(x: number, y: number): void;
}

interface VolumeProperty {
  getRGBTransferFunction(index: number): TransferFunctions;
  getScalarOpacity(index: number): TransferFunctions;
  getScalarOpacityUnitDistance(index: number): number;
  setScalarOpacityUnitDistance(index: number, distance: number): void;
  setInterpolationTypeToNearest(): void;
  setShade(shade: boolean): void;
}

/**
 * The active segmentation in the 3D view of the 2x2 layout: its labelmap volume rendered as a
 * second volume, each segment in its colour (hidden segments transparent), over the image's own
 * rendering. Lazy: nothing happens until the 3D view exists, and edits reach it only while it is
 * shown, after a short pause (a texture upload per edit would make the brush lag on SwiftShader).
 * It can be switched off (`setEnabled`).
 */
export class Segmentation3d {
  private shownVolumeId: string | null = null;
  private timer = 0;
  private enabled = true;
  private dirtyLabels = false;
  /** the image's own opacity unit distance, while it is thinned */
  private imageUnitDistance: number | null = null;

  constructor(
    private readonly viewer: Viewer,
    private readonly editor: SegmentationEditor,
  ) {
    viewer.on3d(() => void this.sync());
    // the 3D view let its volumes go (another series): nothing of ours is in it any more
    viewer.onDrop3d(() => {
      this.shownVolumeId = null;
      this.imageUnitDistance = null;
    });
    this.addSwitch();
    editor.onChange((change) => {
      if (change === 'voxels') this.dirtyLabels = true;
      this.schedule();
    });
  }

  /** A "Segments" check box over the 3D view: off spares a slow (software) GPU the labels. */
  private addSwitch(): void {
    const section = document.querySelector('[data-view="volume3d"]');
    if (!section) return;
    const label = document.createElement('label');
    label.className = 'overlay-text top-right';
    label.style.pointerEvents = 'auto';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = this.enabled;
    box.dataset.testid = 'segments-3d';
    box.addEventListener('change', () => this.setEnabled(box.checked));
    label.append(box, ' Segments');
    section.append(label);
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    void this.sync();
  }

  /** Only while the 3D view is on screen: showing it again (`on3d`) brings it up to date. */
  private schedule(): void {
    const viewport = this.viewer.viewport3d;
    if (!viewport || viewport.element.offsetParent === null) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.sync(), UPDATE_DELAY_MS);
  }

  /** Shows the active segmentation (or none) in the 3D view, up to date. */
  async sync(): Promise<void> {
    const viewport = this.viewer.viewport3d;
    if (!viewport) return;
    const active = this.enabled ? this.editor.active : null;
    const wanted = active?.labelmapVolumeId ?? null;
    if (this.shownVolumeId !== wanted) {
      if (this.shownVolumeId) viewport.removeVolumeActors([this.shownVolumeId]);
      this.shownVolumeId = null;
      if (wanted && active) {
        await viewport.addVolumes([{ volumeId: wanted, actorUID: wanted, visibility: true }]);
        this.shownVolumeId = wanted;
      }
      this.dirtyLabels = false;
    } else if (wanted && this.dirtyLabels) {
      this.dirtyLabels = false;
      invalidate(wanted);
    }
    if (active && this.shownVolumeId) this.style(viewport, active);
    this.thinImage(viewport, this.shownVolumeId !== null);
    viewport.render();
    document.body.dataset.segmentation3d = this.shownVolumeId ? (active?.id ?? '') : '';
  }

  /** Makes the image's rendering see-through while segments show inside it, and back. */
  private thinImage(viewport: Types.IVolumeViewport, thin: boolean): void {
    const actor = viewport.getDefaultActor()?.actor as unknown as
      { getProperty(): VolumeProperty } | undefined;
    if (!actor) return;
    const property = actor.getProperty();
    if (thin && this.imageUnitDistance === null) {
      this.imageUnitDistance = property.getScalarOpacityUnitDistance(0);
      property.setScalarOpacityUnitDistance(0, this.imageUnitDistance * IMAGE_THINNING);
    } else if (!thin && this.imageUnitDistance !== null) {
      property.setScalarOpacityUnitDistance(0, this.imageUnitDistance);
      this.imageUnitDistance = null;
    }
  }

  private style(viewport: Types.IVolumeViewport, entry: EditableSegmentation): void {
    const actor = viewport.getActor(entry.labelmapVolumeId)?.actor as unknown as
      { getProperty(): VolumeProperty } | undefined;
    if (!actor) return;
    const property = actor.getProperty();
    const colors = property.getRGBTransferFunction(0);
    const opacity = property.getScalarOpacity(0);
    colors.removeAllPoints();
    opacity.removeAllPoints();
    colors.addRGBPoint(0, 0, 0, 0);
    opacity.addPoint(0, 0);
    // one point per label value: labels are rendered with nearest interpolation, so only the
    // integer values are ever looked up
    const byIndex = new Map(entry.segments.map((s) => [s.index, s]));
    const top = Math.max(1, ...entry.segments.map((s) => s.index));
    for (let index = 1; index <= top + 1; index++) {
      const segment = byIndex.get(index);
      const [r, g, b] = segment?.color ?? [0, 0, 0];
      colors.addRGBPoint(index, r / 255, g / 255, b / 255);
      opacity.addPoint(index, segment?.visible ? SEGMENT_OPACITY : 0);
    }
    property.setInterpolationTypeToNearest();
    property.setShade(true);
  }
}

/** Marks every slice of a labelmap's texture for upload: its voxels changed. */
function invalidate(volumeId: string): void {
  const volume = cache.getVolume(volumeId) as
    | (Types.IImageVolume & {
        vtkOpenGLTexture?: { setUpdatedFrame?(frame: number): void };
      })
    | undefined;
  if (!volume) return;
  const slices = volume.dimensions[2];
  for (let k = 0; k < slices; k++) volume.vtkOpenGLTexture?.setUpdatedFrame?.(k);
  volume.imageData?.modified();
}
