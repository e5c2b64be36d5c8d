import {
  Enums,
  RenderingEngine,
  cache,
  setVolumesForViewports,
  volumeLoader,
  type Types,
} from '@cornerstonejs/core';
import {
  annotation,
  BrushTool,
  CircleScissorsTool,
  CrosshairsTool,
  Enums as ToolEnums,
  LengthTool,
  PaintFillTool,
  PanTool,
  RectangleScissorsTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  synchronizers,
  utilities as toolUtils,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import type { VolumeGeometry, VolumeInfo } from '../../src/api';
import {
  ERASE_ACTIVE_STRATEGY,
  eraseActiveOnly,
  type BrushStrategyFunction,
} from './eraseActiveOnly';
import { initCornerstone } from './cornerstone';
import { addSliceMetadata, removeSliceMetadata } from './sliceMetadata';
import { pruneGenericMetadata } from './genericMetadata';
import { PLANES, PLANE_IDS, type PlaneId } from './planes';
import { autoWindow, scalarBitsOf, toScalarArray, type ScalarArray } from './voxels';

const RENDERING_ENGINE_ID = 'workstation';
const TOOL_GROUP_ID = 'workstation-mpr';
const VOI_SYNCHRONIZER_ID = 'workstation-voi';
/** Cornerstone's eraser: every label under the brush. */
const ERASE_ALL_STRATEGY = 'ERASE_INSIDE_CIRCLE';
const RENDER_TIMEOUT_MS = 30_000;

/** What the left mouse button does. Brush-like tools edit the active segment. */
export type PrimaryTool =
  | 'crosshairs'
  | 'windowLevel'
  | 'brush'
  | 'eraser'
  | 'thresholdBrush'
  | 'rectangleScissors'
  | 'circleScissors'
  | 'fill'
  | 'regionGrow'
  | 'length';

/**
 * Cornerstone tool names (instances of BrushTool for brush, eraser and threshold brush). Region
 * grow is the workstation's own: the left button is left free for its click handler.
 */
const TOOL_NAMES: Record<PrimaryTool, string> = {
  crosshairs: CrosshairsTool.toolName,
  windowLevel: WindowLevelTool.toolName,
  brush: 'Brush',
  eraser: 'Eraser',
  thresholdBrush: 'ThresholdBrush',
  rectangleScissors: RectangleScissorsTool.toolName,
  circleScissors: CircleScissorsTool.toolName,
  fill: PaintFillTool.toolName,
  regionGrow: '',
  length: LengthTool.toolName,
};

/** Window presets (width, centre) as OHIF and Slicer name them. */
export const WINDOW_PRESETS = {
  brain: { label: 'Brain', width: 80, center: 40 },
  abdomen: { label: 'Abdomen', width: 400, center: 50 },
  lung: { label: 'Lung', width: 1500, center: -600 },
  bone: { label: 'Bone', width: 2500, center: 480 },
} as const;
/** A named preset, `auto` (from the voxels), or the series' own window number n (`series-n`). */
export type WindowPreset = keyof typeof WINDOW_PRESETS | 'auto' | `series-${number}`;
/** Soft tissue: what a CT without a window of its own opens with (as in OHIF and Slicer). */
const DEFAULT_CT_PRESET = 'abdomen';

/** The volume the viewer shows, as Cornerstone holds it. */
export interface ShownVolume {
  info: VolumeInfo;
  cornerstoneVolumeId: string;
  metadata: Types.Metadata;
  /** the initial window [lower, upper] */
  window: [number, number];
  /** the voxels as Cornerstone holds them (the volume's order) */
  voxels: ScalarArray;
}

/**
 * Three linked orthographic views (axial, coronal, sagittal) of one volume. Mouse: left drag moves
 * the crosshairs, right drag sets window/level, the wheel moves through slices, middle drag pans,
 * Ctrl + left drag zooms.
 */
export class Viewer {
  private engine: RenderingEngine | null = null;
  private readonly toolGroup: ToolTypes.IToolGroup;
  private shown: ShownVolume | null = null;
  private initialVoi: { lower: number; upper: number } | null = null;
  private autoVoi: [number, number] | null = null;
  private seriesWindows: VolumeInfo['windows'] = [];
  private crosshairShown = true;

  constructor(readonly elements: Record<PlaneId, HTMLDivElement>) {
    initCornerstone();
    for (const element of Object.values(elements)) {
      element.addEventListener('contextmenu', (event) => event.preventDefault());
    }

    const toolGroup = ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
    if (!toolGroup) throw new Error('could not create the tool group');
    this.toolGroup = toolGroup;
    // hidden lines are drawn transparent and take no grabs: the tool keeps the planes linked
    toolGroup.addTool(CrosshairsTool.toolName, {
      getReferenceLineColor: (viewportId: string) =>
        this.crosshairShown
          ? (PLANES.find((plane) => plane.id === viewportId)?.color ?? 'rgb(200, 200, 200)')
          : 'rgba(0, 0, 0, 0)',
      getReferenceLineControllable: () => this.crosshairShown,
      getReferenceLineDraggableRotatable: () => true,
      getReferenceLineSlabThicknessControlsOn: () => false,
    });
    toolGroup.addTool(WindowLevelTool.toolName);
    toolGroup.addTool(StackScrollTool.toolName);
    toolGroup.addTool(PanTool.toolName);
    toolGroup.addTool(ZoomTool.toolName);
    toolGroup.addToolInstance(TOOL_NAMES.brush, BrushTool.toolName, {
      activeStrategy: 'FILL_INSIDE_CIRCLE',
      brushSize: 12,
    });
    toolGroup.addToolInstance(TOOL_NAMES.eraser, BrushTool.toolName, {
      activeStrategy: 'ERASE_INSIDE_CIRCLE',
      brushSize: 12,
    });
    toolGroup.addToolInstance(TOOL_NAMES.thresholdBrush, BrushTool.toolName, {
      activeStrategy: 'THRESHOLD_INSIDE_CIRCLE',
      brushSize: 12,
      threshold: { range: [0, 1], isDynamic: false },
    });
    // BrushTool binds keys of its own (i, e: interpolation without a strategy here, Enter/Escape:
    // preview) that would clash with the workstation's shortcuts and push stray history entries.
    for (const name of [TOOL_NAMES.brush, TOOL_NAMES.eraser, TOOL_NAMES.thresholdBrush]) {
      const instance = toolGroup.getToolInstance(name) as { configuration: { actions?: object } };
      instance.configuration.actions = {};
    }
    // the eraser takes the active segment only, unless asked to erase all (setEraseAll)
    const eraser = toolGroup.getToolInstance(TOOL_NAMES.eraser) as {
      configuration: { strategies: Record<string, BrushStrategyFunction>; activeStrategy: string };
    };
    const eraseAll = eraser.configuration.strategies[ERASE_ALL_STRATEGY];
    if (!eraseAll) throw new Error(`Cornerstone's brush has no ${ERASE_ALL_STRATEGY} strategy`);
    eraser.configuration.strategies = {
      ...eraser.configuration.strategies,
      [ERASE_ACTIVE_STRATEGY]: eraseActiveOnly(eraseAll),
    };
    eraser.configuration.activeStrategy = ERASE_ACTIVE_STRATEGY;
    toolGroup.addTool(RectangleScissorsTool.toolName);
    toolGroup.addTool(CircleScissorsTool.toolName);
    toolGroup.addTool(PaintFillTool.toolName);
    toolGroup.addTool(LengthTool.toolName);

    const resize = new ResizeObserver(() => this.engine?.resize(true, true));
    for (const element of Object.values(elements)) resize.observe(element);
    // The views (a WebGL context pool and three viewports, the costliest part of starting) are
    // set up when the page is first idle, or on first use if sooner: where the first series'
    // voxels are still on their way (the page's start asked for them), the set-up runs meanwhile.
    requestIdleCallback(() => this.renderingEngine, { timeout: 2_000 });
  }

  /** Cornerstone's rendering engine with the three views, made on first use. */
  get renderingEngine(): RenderingEngine {
    if (this.engine) return this.engine;
    // held before the views exist: setting them up fires camera events whose listeners use it
    const engine = new RenderingEngine(RENDERING_ENGINE_ID);
    this.engine = engine;
    engine.setViewports(
      PLANES.map((plane) => ({
        viewportId: plane.id,
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element: this.elements[plane.id],
        defaultOptions: { orientation: plane.orientation, background: [0, 0, 0] },
      })),
    );
    for (const id of PLANE_IDS) this.toolGroup.addViewport(id, RENDERING_ENGINE_ID);
    // the three planes of the series share one window, as in OHIF: a drag in one sets all three
    const voi = synchronizers.createVOISynchronizer(VOI_SYNCHRONIZER_ID, {
      syncInvertState: false,
      syncColormap: false,
    });
    for (const viewportId of PLANE_IDS) {
      voi.add({ renderingEngineId: RENDERING_ENGINE_ID, viewportId });
    }
    return engine;
  }

  private primary: PrimaryTool = 'crosshairs';

  get primaryTool(): PrimaryTool {
    return this.primary;
  }

  /**
   * Gives the left button to a tool. The crosshairs stay drawn (enabled) under the others; the
   * length tool's measurements stay visible (passive) when another tool has the button.
   */
  setPrimaryTool(tool: PrimaryTool): void {
    const group = this.toolGroup;
    const { MouseBindings } = ToolEnums;
    const previous = TOOL_NAMES[this.primary];
    if (previous && previous !== TOOL_NAMES[tool]) {
      if (this.primary === 'crosshairs') group.setToolEnabled(previous);
      // passive keeps a tool's other bindings: window/level stays on the right button
      else if (this.primary === 'length' || this.primary === 'windowLevel')
        group.setToolPassive(previous);
      else group.setToolDisabled(previous);
    }
    this.primary = tool;
    if (TOOL_NAMES[tool]) {
      group.setToolActive(TOOL_NAMES[tool], { bindings: [{ mouseButton: MouseBindings.Primary }] });
    }
    this.renderingEngine.render();
  }

  /** The eraser removes every segment under it (true) or the active segment only (false). */
  setEraseAll(all: boolean): void {
    const eraser = this.toolGroup.getToolInstance(TOOL_NAMES.eraser) as {
      configuration: { activeStrategy: string };
    };
    eraser.configuration.activeStrategy = all ? ERASE_ALL_STRATEGY : ERASE_ACTIVE_STRATEGY;
  }

  get crosshairVisible(): boolean {
    return this.crosshairShown;
  }

  /**
   * Shows or hides the crosshair lines (OHIF's `C`), so that a stroke along one of them shows;
   * the planes stay linked and a left click still moves them with the crosshairs tool.
   */
  setCrosshairVisible(shown: boolean): void {
    this.crosshairShown = shown;
    // before the views exist (the toggle's first state, at start) there is nothing to redraw
    if (this.engine) toolUtils.triggerAnnotationRenderForViewportIds([...PLANE_IDS]);
  }

  /** Brush, eraser and threshold brush radius in mm. */
  setBrushSize(mm: number): void {
    for (const tool of ['brush', 'eraser', 'thresholdBrush'] as const) {
      toolUtils.segmentation.setBrushSizeForToolGroup(TOOL_GROUP_ID, mm, TOOL_NAMES[tool]);
    }
  }

  /** The threshold brush paints only voxels whose value lies in [lower, upper]. */
  setThresholdRange(lower: number, upper: number): void {
    toolUtils.segmentation.setBrushThresholdForToolGroup(TOOL_GROUP_ID, {
      range: [lower, upper],
      isDynamic: false,
      dynamicRadius: 0,
    });
  }

  /**
   * The preset a volume opens with: the series' own window (the first of several) where its
   * DICOM headers give one, as OHIF and Slicer open it; else soft tissue for CT, and the
   * voxels' own range (auto) for MR and the rest.
   */
  static defaultPreset(info: VolumeInfo): WindowPreset {
    if (info.windows.length > 0) return 'series-0';
    return info.modality === 'CT' ? DEFAULT_CT_PRESET : 'auto';
  }

  /** The window [lower, upper] a preset gives on the shown volume; null where it has none. */
  voiOf(preset: WindowPreset): { lower: number; upper: number } | null {
    if (preset === 'auto') {
      return this.autoVoi ? { lower: this.autoVoi[0], upper: this.autoVoi[1] } : null;
    }
    const window = preset.startsWith('series-')
      ? this.seriesWindows[Number(preset.slice('series-'.length))]
      : WINDOW_PRESETS[preset as keyof typeof WINDOW_PRESETS];
    if (!window) return null;
    return { lower: window.center - window.width / 2, upper: window.center + window.width / 2 };
  }

  /** Sets window/level in all three views, by a preset or from the voxels (auto). */
  setWindow(preset: WindowPreset): void {
    const voi = this.voiOf(preset);
    if (!voi) return;
    for (const id of PLANE_IDS) this.viewport(id).setProperties({ voiRange: { ...voi } });
    this.renderingEngine.render();
  }

  private volume3d: string | null = null;

  /**
   * Shows the volume in a 3D (ray-cast) view on the given element, once: a CT bone preset for CT,
   * MR default otherwise. Needs WebGL, which the three planes need anyway.
   */
  async show3d(element: HTMLDivElement): Promise<void> {
    if (!this.shown) throw new Error('no volume is shown');
    const viewportId = 'volume3d';
    if (this.volume3d === this.shown.cornerstoneVolumeId) {
      // shown again: listeners catch up with what changed while it was hidden
      const viewport = this.renderingEngine.getViewport(viewportId) as Types.IVolumeViewport;
      for (const listener of this.listeners3d) listener(viewport);
      return;
    }
    if (!this.renderingEngine.getViewport(viewportId)) {
      this.renderingEngine.enableElement({
        viewportId,
        type: Enums.ViewportType.VOLUME_3D,
        element,
        defaultOptions: { orientation: Enums.OrientationAxis.CORONAL, background: [0, 0, 0] },
      });
    }
    await setVolumesForViewports(
      this.renderingEngine,
      [{ volumeId: this.shown.cornerstoneVolumeId }],
      [viewportId],
    );
    const viewport = this.renderingEngine.getViewport(viewportId) as Types.IVolumeViewport;
    viewport.setProperties({
      preset: this.shown.info.modality === 'CT' ? 'CT-Bone' : 'MR-Default',
    });
    viewport.resetCamera();
    viewport.render();
    this.volume3d = this.shown.cornerstoneVolumeId;
    for (const listener of this.listeners3d) listener(viewport);
  }

  private readonly listeners3d = new Set<(viewport: Types.IVolumeViewport) => void>();

  /** Hears when the 3D view is shown (set up with the shown volume on the first 2x2 layout). */
  on3d(listener: (viewport: Types.IVolumeViewport) => void): void {
    this.listeners3d.add(listener);
  }

  /** The 3D view, once set up for the shown volume; null before. */
  get viewport3d(): Types.IVolumeViewport | null {
    if (!this.shown || this.volume3d !== this.shown.cornerstoneVolumeId) return null;
    return (this.renderingEngine.getViewport('volume3d') as Types.IVolumeViewport) ?? null;
  }

  /**
   * The voxel (column, row, slice indices) under a point of a view, in client pixels; null
   * outside the volume.
   */
  voxelAt(id: PlaneId, clientX: number, clientY: number): [number, number, number] | null {
    if (!this.shown) return null;
    const rect = this.elements[id].getBoundingClientRect();
    const world = this.viewport(id).canvasToWorld([clientX - rect.left, clientY - rect.top]);
    return worldToVoxel(this.shown.info.geometry, world);
  }

  /** The index axis (0 columns, 1 rows, 2 slices) a view looks along. */
  viewAxis(id: PlaneId): 0 | 1 | 2 {
    const normal = this.viewport(id).getCamera().viewPlaneNormal ?? [0, 0, 1];
    const direction = this.shown?.info.geometry.direction ?? [1, 0, 0, 0, 1, 0, 0, 0, 1];
    return nearestAxis(direction, normal);
  }

  get volume(): ShownVolume | null {
    return this.shown;
  }

  viewport(id: PlaneId): Types.IVolumeViewport {
    return this.renderingEngine.getViewport(id) as Types.IVolumeViewport;
  }

  /**
   * Shows a volume from the core's voxels; resolves once all three views have rendered it. A
   * volume shown before is replaced in place (the tool, layout and cameras' set-up stay) and
   * taken out of Cornerstone's cache, so memory holds one series however many were opened.
   * `onScreen` hears the moment the image is on screen, before the tools are set up.
   */
  async showVolume(
    info: VolumeInfo,
    buffer: ArrayBuffer,
    onScreen?: () => void,
  ): Promise<ShownVolume> {
    const voxels = toScalarArray(buffer, info.voxelType, info.geometry);
    const cornerstoneVolumeId = localVolumeId('volume', info.volumeId);
    const metadata = volumeMetadata(info);
    const { dimensions, spacing, origin, direction } = info.geometry;
    const previous = this.shown;
    if (previous && previous.cornerstoneVolumeId !== cornerstoneVolumeId) {
      // nothing reads the old volume while the new one loads: the 3D view goes, and with it
      // the old series' measurements and crosshairs (their frame of reference is gone)
      this.drop3d();
      this.shown = null;
      annotation.state.removeAllAnnotations();
    }
    if (!cache.getVolume(cornerstoneVolumeId)) {
      volumeLoader.createLocalVolume(cornerstoneVolumeId, {
        metadata,
        dimensions,
        spacing,
        origin,
        direction,
        scalarData: voxels,
      });
      describeSlices(cornerstoneVolumeId, info.geometry, metadata.FrameOfReferenceUID);
    }
    const rendered = this.waitForRender();
    await setVolumesForViewports(
      this.renderingEngine,
      [{ volumeId: cornerstoneVolumeId }],
      [...PLANE_IDS],
    );
    if (previous && previous.cornerstoneVolumeId !== cornerstoneVolumeId) {
      evictVolume(previous.cornerstoneVolumeId);
      for (const id of PLANE_IDS) this.viewport(id).resetCamera();
    }
    this.autoVoi = autoWindow(voxels, info.range);
    this.seriesWindows = info.windows;
    const { lower, upper } = this.voiOf(Viewer.defaultPreset(info)) ?? {
      lower: this.autoVoi[0],
      upper: this.autoVoi[1],
    };
    this.initialVoi = { lower, upper };
    for (const id of PLANE_IDS) this.viewport(id).setProperties({ voiRange: { lower, upper } });
    this.renderingEngine.render();
    await rendered;
    // The first frame of a view can come before the volume's texture is on the GPU (the axial
    // view then shows black): draw once more now that it is there.
    const again = this.waitForRender();
    this.renderingEngine.render();
    await again;
    // Let the browser put the frame on screen before the caller's next (heavy) work: loading
    // the segmentations right away held the first picture back by a second on long series.
    await nextPaint();
    onScreen?.();
    // The image first, the tools (and the crosshairs they draw) after: their set-up and the
    // redraw it asks for come once the reader sees the series.
    if (!previous) this.activateTools();
    else this.recentreCrosshairs();
    this.shown = { info, cornerstoneVolumeId, metadata, window: [lower, upper], voxels };
    return this.shown;
  }

  /** The crosshairs of a new volume start at its centre (the tool keeps the left button). */
  private recentreCrosshairs(): void {
    const group = this.toolGroup;
    group.setToolDisabled(CrosshairsTool.toolName);
    if (this.primary === 'crosshairs') {
      group.setToolActive(CrosshairsTool.toolName, {
        bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }],
      });
    } else group.setToolEnabled(CrosshairsTool.toolName);
  }

  private readonly drop3dListeners = new Set<() => void>();

  /** Hears when the 3D view lets its volume go (a series switch): it is set up again on demand. */
  onDrop3d(listener: () => void): void {
    this.drop3dListeners.add(listener);
  }

  /**
   * Lets the 3D view go before a series switch removes what it draws (the labelmaps go first,
   * and vtk must not render a volume taken out of the cache).
   */
  drop3d(): void {
    if (!this.engine?.getViewport('volume3d')) return;
    this.engine.disableElement('volume3d');
    this.volume3d = null;
    for (const listener of this.drop3dListeners) listener();
  }

  /** Back to the first view: planes through the centre, fitted, unrotated, the initial window. */
  async reset(): Promise<void> {
    if (!this.shown || !this.initialVoi) return;
    const rendered = this.waitForRender();
    for (const id of PLANE_IDS) {
      const viewport = this.viewport(id);
      const plane = PLANES.find((candidate) => candidate.id === id);
      if (plane) viewport.setOrientation(plane.orientation);
      viewport.resetCamera();
      viewport.setProperties({ voiRange: { ...this.initialVoi } });
    }
    this.renderingEngine.render();
    await rendered;
  }

  /** The planes on screen: the 1x1 layout hides two, and a hidden view does not render. */
  get shownPlanes(): PlaneId[] {
    const shown = PLANE_IDS.filter((id) => this.elements[id].offsetParent !== null);
    return shown.length > 0 ? shown : [...PLANE_IDS];
  }

  /** Resolves when every view on screen has rendered once after this call. */
  waitForRender(): Promise<void> {
    return Promise.all(
      this.shownPlanes.map(
        (id) =>
          new Promise<void>((resolve, reject) => {
            const element = this.elements[id];
            const timer = window.setTimeout(() => {
              element.removeEventListener(Enums.Events.IMAGE_RENDERED, done);
              reject(new Error(`the ${id} view did not render`));
            }, RENDER_TIMEOUT_MS);
            const done = () => {
              window.clearTimeout(timer);
              element.removeEventListener(Enums.Events.IMAGE_RENDERED, done);
              resolve();
            };
            element.addEventListener(Enums.Events.IMAGE_RENDERED, done);
          }),
      ),
    ).then(() => undefined);
  }

  private activateTools(): void {
    const { MouseBindings, KeyboardBindings } = ToolEnums;
    const group = this.toolGroup;
    group.setToolActive(CrosshairsTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Primary }],
    });
    group.setToolActive(WindowLevelTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Secondary }],
    });
    group.setToolActive(StackScrollTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Wheel }],
    });
    group.setToolActive(PanTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Auxiliary }],
    });
    group.setToolActive(ZoomTool.toolName, {
      bindings: [{ mouseButton: MouseBindings.Primary, modifierKey: KeyboardBindings.Ctrl }],
    });
  }
}

/**
 * A Cornerstone id for a volume made here. No `scheme:` prefix: Cornerstone would take its slices'
 * ids (`<volumeId>_slice_<k>`) for images to fetch through an image loader.
 */
export function localVolumeId(kind: 'volume' | 'labelmap', id: string): string {
  return `workstation-${kind}-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/**
 * Gives every slice of a local volume its own plane: `createLocalVolume` files all slices at the
 * volume's origin, and Cornerstone finds a view's current image (which tools and labelmaps use)
 * by the slices' positions.
 */
export function describeSlices(
  cornerstoneVolumeId: string,
  geometry: VolumeGeometry,
  frameOfReferenceUID: string,
): void {
  const { dimensions, spacing, origin, direction } = geometry;
  const normal = direction.slice(6, 9);
  const slices = new Map<string, unknown>();
  for (let k = 0; k < dimensions[2]; k++) {
    slices.set(`${cornerstoneVolumeId}_slice_${k}`, {
      frameOfReferenceUID,
      rows: dimensions[1],
      columns: dimensions[0],
      imageOrientationPatient: direction.slice(0, 6),
      rowCosines: direction.slice(0, 3),
      columnCosines: direction.slice(3, 6),
      imagePositionPatient: origin.map(
        (value, axis) => value + k * spacing[2] * (normal[axis] ?? 0),
      ),
      pixelSpacing: [spacing[1], spacing[0]],
      rowPixelSpacing: spacing[1],
      columnPixelSpacing: spacing[0],
      sliceThickness: spacing[2],
    });
  }
  addSliceMetadata(cornerstoneVolumeId, slices);
}

/**
 * Takes a volume made here out of Cornerstone's cache, with its slice images (removing the volume
 * alone leaves them cached, holding its voxels) and its slices' metadata, ours and Cornerstone's.
 */
export function evictVolume(cornerstoneVolumeId: string): void {
  const imageIds = cache.getVolume(cornerstoneVolumeId)?.imageIds ?? [];
  if (cache.getVolume(cornerstoneVolumeId)) cache.removeVolumeLoadObject(cornerstoneVolumeId);
  for (const imageId of imageIds) {
    if (cache.getImageLoadObject(imageId)) cache.removeImageLoadObject(imageId, { force: true });
  }
  removeSliceMetadata(cornerstoneVolumeId);
  pruneGenericMetadata();
}

/** Resolves after the browser's next paint (a frame, then a task). */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** The nearest voxel of a world point (LPS mm); null outside the volume. */
export function worldToVoxel(
  geometry: VolumeGeometry,
  world: readonly number[],
): [number, number, number] | null {
  const { origin, spacing, direction, dimensions } = geometry;
  const delta = [0, 1, 2].map((axis) => (world[axis] ?? 0) - (origin[axis] ?? 0));
  const index = [0, 1, 2].map((axis) => {
    let dot = 0;
    for (let c = 0; c < 3; c++) dot += (delta[c] ?? 0) * (direction[axis * 3 + c] ?? 0);
    return Math.round(dot / (spacing[axis] ?? 1));
  }) as [number, number, number];
  return index.every((value, axis) => value >= 0 && value < (dimensions[axis] ?? 0)) ? index : null;
}

/** The index axis whose direction (rows of `direction`) is closest to a world vector. */
export function nearestAxis(direction: readonly number[], vector: readonly number[]): 0 | 1 | 2 {
  let best: 0 | 1 | 2 = 2;
  let score = -1;
  for (const axis of [0, 1, 2] as const) {
    let dot = 0;
    for (let c = 0; c < 3; c++) dot += (direction[axis * 3 + c] ?? 0) * (vector[c] ?? 0);
    if (Math.abs(dot) > score) {
      score = Math.abs(dot);
      best = axis;
    }
  }
  return best;
}

/** The metadata Cornerstone3D wants of a volume, from the core's geometry. */
function volumeMetadata(info: VolumeInfo): Types.Metadata {
  const geometry: VolumeGeometry = info.geometry;
  const bits = scalarBitsOf(info.voxelType);
  return {
    BitsAllocated: bits,
    BitsStored: bits,
    HighBit: bits - 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PixelRepresentation: info.voxelType === 'uint8' || info.voxelType === 'uint16' ? 0 : 1,
    Modality: info.modality,
    SeriesInstanceUID: info.seriesId,
    ImageOrientationPatient: geometry.direction.slice(0, 6),
    PixelSpacing: [geometry.spacing[1], geometry.spacing[0]],
    FrameOfReferenceUID: `workstation:${info.volumeId}`,
    Columns: geometry.dimensions[0],
    Rows: geometry.dimensions[1],
    voiLut: [],
    VOILUTFunction: 'LINEAR',
  };
}
