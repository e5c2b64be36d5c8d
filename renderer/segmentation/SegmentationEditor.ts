import {
  cache,
  eventTarget,
  utilities as csUtils,
  volumeLoader,
  type Types,
} from '@cornerstonejs/core';
import {
  CONSTANTS as ToolConstants,
  Enums as ToolEnums,
  segmentation,
  utilities as toolUtils,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import { PLANE_IDS } from '../viewer/planes';
import {
  describeSlices,
  evictVolume,
  localVolumeId,
  type ShownVolume,
  type Viewer,
} from '../viewer/Viewer';
import { Segmentation3d } from './Segmentation3d';
import { defaultSegmentColor } from '../../src/api';

const { DefaultHistoryMemo } = csUtils.HistoryMemo;
const LABELMAP = ToolEnums.SegmentationRepresentations.Labelmap;
/** How many edits undo reaches back: every stroke is one, stored as run-length changes only. */
export const UNDO_LEVELS = 200;
const RENDER_TIMEOUT_MS = 30_000;

export type Rgb = [number, number, number];

/** One segment (label value) of a segmentation, as the panel and the saved file describe it. */
export interface SegmentInfo {
  index: number;
  label: string;
  color: Rgb;
  visible: boolean;
  locked: boolean;
}

/** An editable labelmap over the shown volume. `id` is stable across saves and reloads. */
export interface EditableSegmentation {
  id: string;
  name: string;
  segments: SegmentInfo[];
  /** Cornerstone's segmentation id and labelmap volume id */
  segmentationId: string;
  labelmapVolumeId: string;
  /** labelHash of the labels it was added with */
  initialHash: string;
  /** its colour table in Cornerstone's segmentation state, shared by its views */
  colorLUTIndex: number;
}

/** ITK-SNAP / Slicer-like distinct colours for new segments. */
export type EditorChange = 'voxels' | 'segments' | 'segmentations' | 'active';

/**
 * The segmentations of the shown volume as Cornerstone3D labelmaps, one active for editing. Every
 * voxel edit (tools, segment deletion, interpolation, region grow) and every change of the segment
 * table (add, rename, colour, show/hide, lock, delete) goes through Cornerstone's history memo, so
 * undo and redo reach any of them, whichever tool made it. Listeners hear what changed.
 */
export class SegmentationEditor {
  private readonly list: EditableSegmentation[] = [];
  private activeId: string | null = null;
  private activeSegmentIndex = 1;
  private readonly listeners = new Set<(change: EditorChange, id: string | null) => void>();
  private counter = 0;

  constructor(private readonly viewer: Viewer) {
    DefaultHistoryMemo.size = UNDO_LEVELS;
    new Segmentation3d(viewer, this);
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, (event: Event) => {
      const id = (event as CustomEvent<{ segmentationId?: string }>).detail?.segmentationId;
      const found = this.list.find((s) => s.segmentationId === id);
      if (found) this.emit('voxels', found.id);
    });
  }

  get segmentations(): readonly EditableSegmentation[] {
    return this.list;
  }

  get active(): EditableSegmentation | null {
    return this.list.find((s) => s.id === this.activeId) ?? null;
  }

  get activeSegment(): number {
    return this.activeSegmentIndex;
  }

  onChange(listener: (change: EditorChange, id: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: EditorChange, id: string | null): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change, id);
      } catch (error) {
        console.error('segmentation listener failed', error);
      }
    }
  }

  /**
   * Adds a segmentation of the shown volume: the given labels (one byte per voxel, the volume's
   * order) or an empty one. Resolves once all three views have drawn it; it becomes active.
   */
  async add(options: {
    id: string;
    name: string;
    segments: SegmentInfo[];
    labels?: Uint8Array;
  }): Promise<EditableSegmentation> {
    const volume = this.requireVolume();
    const [columns, rows, slices] = volume.info.geometry.dimensions;
    const count = columns * rows * slices;
    if (options.labels && options.labels.length !== count) {
      throw new Error(`the labelmap has ${options.labels.length} voxels, its volume ${count}`);
    }
    this.remove(options.id);
    const unique = `${options.id}-${++this.counter}`;
    const segmentationId = `seg:${unique}`;
    const labelmapVolumeId = localVolumeId('labelmap', unique);
    const labels = options.labels ?? new Uint8Array(count);
    createLabelmapVolume(volume, labelmapVolumeId, labels);
    const segments: Record<number, { label: string; locked: boolean }> = {};
    for (const segment of options.segments) {
      segments[segment.index] = { label: segment.label, locked: segment.locked };
    }
    segmentation.addSegmentations([
      {
        segmentationId,
        representation: {
          type: LABELMAP,
          data: { volumeId: labelmapVolumeId, referencedVolumeId: volume.cornerstoneVolumeId },
        },
        config: { label: options.name, segments },
      },
    ]);
    // One colour table for the segmentation's views, removed with it: given none, Cornerstone
    // adds a table of 256 colours for each view a segmentation is shown in and keeps them all
    // for the life of the page (three more with every series opened).
    const colorLUTIndex = segmentation.state.addColorLUT(ToolConstants.COLOR_LUT);
    const drawn = waitForSegmentationRendered(segmentationId, this.viewer.shownPlanes);
    const representation = {
      segmentationId,
      type: LABELMAP,
      config: { colorLUTOrIndex: colorLUTIndex },
    };
    segmentation.addLabelmapRepresentationToViewportMap(
      Object.fromEntries(PLANE_IDS.map((id) => [id, [representation]])),
    );
    segmentation.segmentationStyle.setStyle(
      { type: LABELMAP, segmentationId },
      {
        renderFill: true,
        fillAlpha: 0.35,
        renderOutline: true,
        outlineWidth: 2,
        renderFillInactive: true,
        fillAlphaInactive: 0.25,
      },
    );
    const entry: EditableSegmentation = {
      id: options.id,
      name: options.name,
      segments: options.segments.map((s) => ({ ...s, color: [...s.color] as Rgb })),
      segmentationId,
      labelmapVolumeId,
      initialHash: labelHash(labels),
      colorLUTIndex,
    };
    this.list.push(entry);
    for (const segment of entry.segments) this.applySegmentStyle(entry, segment);
    await drawn;
    this.setActive(entry.id);
    this.emit('segmentations', entry.id);
    return entry;
  }

  /** Removes a segmentation from the views (not from disk). */
  remove(id: string): void {
    const index = this.list.findIndex((s) => s.id === id);
    if (index < 0) return;
    const [entry] = this.list.splice(index, 1);
    if (!entry) return;
    segmentation.removeSegmentation(entry.segmentationId);
    segmentation.state.removeColorLUT(entry.colorLUTIndex);
    evictVolume(entry.labelmapVolumeId);
    if (this.activeId === id) this.activeId = null;
    const next = this.list[this.list.length - 1];
    if (next && this.activeId === null) this.setActive(next.id);
    this.viewer.renderingEngine.render();
    this.emit('segmentations', id);
  }

  removeAll(): void {
    for (const entry of [...this.list]) this.remove(entry.id);
  }

  /**
   * Leaves the series: every segmentation goes from the views and Cornerstone's cache, and the
   * undo history with them (its steps hold the old labelmaps' changes).
   */
  close(): void {
    this.removeAll();
    // a new size empties the ring
    DefaultHistoryMemo.size = UNDO_LEVELS;
  }

  setActive(id: string): void {
    const entry = this.require(id);
    this.activeId = id;
    for (const viewportId of PLANE_IDS) {
      segmentation.activeSegmentation.setActiveSegmentation(viewportId, entry.segmentationId);
    }
    const first = entry.segments[0]?.index ?? 1;
    const keep = entry.segments.some((s) => s.index === this.activeSegmentIndex);
    this.setActiveSegment(keep ? this.activeSegmentIndex : first);
    this.emit('active', id);
  }

  setActiveSegment(index: number): void {
    const entry = this.active;
    if (!entry) return;
    this.activeSegmentIndex = index;
    segmentation.segmentIndex.setActiveSegmentIndex(entry.segmentationId, index);
    this.emit('active', entry.id);
  }

  /** A new segment in the active segmentation, with the next free label value and a colour. */
  addSegment(label?: string): SegmentInfo {
    const entry = this.requireActive();
    const index = Math.max(0, ...entry.segments.map((s) => s.index)) + 1;
    if (index > 255) throw new Error('a segmentation holds at most 255 segments');
    const segment: SegmentInfo = {
      index,
      label: label ?? `Segment ${index}`,
      color: defaultSegmentColor(index - 1),
      visible: true,
      locked: false,
    };
    const previous = this.activeSegmentIndex;
    this.insertRow(entry, segment);
    this.setActiveSegment(index);
    this.pushMemo(entry, (undo) => {
      if (undo) {
        this.removeRow(entry, index);
        this.setActiveSegment(previous);
      } else {
        this.insertRow(entry, { ...segment, color: [...segment.color] as Rgb });
        this.setActiveSegment(index);
      }
    });
    return segment;
  }

  /** Renames, recolours, shows/hides or locks a segment: one undoable step. */
  updateSegment(index: number, change: Partial<Omit<SegmentInfo, 'index'>>): void {
    const entry = this.requireActive();
    const segment = entry.segments.find((s) => s.index === index);
    if (!segment) throw new Error(`no segment ${index}`);
    const before: Partial<SegmentInfo> = {};
    for (const key of Object.keys(change) as (keyof typeof change)[]) {
      const value = segment[key];
      Object.assign(before, { [key]: Array.isArray(value) ? [...value] : value });
    }
    const after = { ...change, ...(change.color ? { color: [...change.color] as Rgb } : {}) };
    this.applySegmentChange(entry, index, after);
    this.pushMemo(entry, (undo) => this.applySegmentChange(entry, index, undo ? before : after));
  }

  private applySegmentChange(
    entry: EditableSegmentation,
    index: number,
    change: Partial<Omit<SegmentInfo, 'index'>>,
  ): void {
    const segment = entry.segments.find((s) => s.index === index);
    if (!segment) return;
    Object.assign(segment, change);
    if (change.color) segment.color = [...change.color] as Rgb;
    this.syncSegments(entry);
    this.applySegmentStyle(entry, segment);
    this.viewer.renderingEngine.render();
    this.emit('segments', entry.id);
  }

  /** Deletes a segment: its voxels are cleared and its row goes, as one undoable step. */
  deleteSegment(index: number): void {
    const entry = this.requireActive();
    const segment = entry.segments.find((s) => s.index === index);
    if (!segment) return;
    const row = { ...segment, color: [...segment.color] as Rgb };
    DefaultHistoryMemo.startGroupRecording();
    try {
      segmentation.helpers.clearSegmentValue(entry.segmentationId, index, { recordHistory: true });
      this.removeRow(entry, index);
      // undo runs a group backwards: the row comes back after the voxels
      this.pushMemo(entry, (undo) => {
        if (undo) this.insertRow(entry, { ...row, color: [...row.color] as Rgb });
        else this.removeRow(entry, index);
      });
    } finally {
      DefaultHistoryMemo.endGroupRecording();
    }
    this.emit('voxels', entry.id);
  }

  /** Renames the active segmentation: one undoable step. */
  setName(name: string): void {
    const entry = this.requireActive();
    const before = entry.name;
    this.applyName(entry, name);
    this.pushMemo(entry, (undo) => this.applyName(entry, undo ? before : name));
  }

  private applyName(entry: EditableSegmentation, name: string): void {
    entry.name = name;
    segmentation.updateSegmentations([
      { segmentationId: entry.segmentationId, payload: { label: name } },
    ]);
    this.emit('segments', entry.id);
  }

  private insertRow(entry: EditableSegmentation, segment: SegmentInfo): void {
    if (entry.segments.some((s) => s.index === segment.index)) return;
    entry.segments.push(segment);
    entry.segments.sort((a, b) => a.index - b.index);
    this.syncSegments(entry);
    this.applySegmentStyle(entry, segment);
    this.viewer.renderingEngine.render();
    this.emit('segments', entry.id);
  }

  private removeRow(entry: EditableSegmentation, index: number): void {
    const at = entry.segments.findIndex((s) => s.index === index);
    if (at < 0) return;
    entry.segments.splice(at, 1);
    this.syncSegments(entry);
    if (this.activeId === entry.id && this.activeSegmentIndex === index) {
      this.setActiveSegment(entry.segments[0]?.index ?? 1);
    }
    this.emit('segments', entry.id);
  }

  /**
   * Puts a change of the segment table on the same history as voxel edits, so one undo stack
   * covers both. A step whose segmentation was removed since does nothing.
   */
  private pushMemo(entry: EditableSegmentation, restore: (undo: boolean) => void): void {
    // no memo id: Cornerstone announces memos with an id as annotation history to its tools
    DefaultHistoryMemo.push({
      restoreMemo: (undo?: boolean) => {
        if (!this.list.includes(entry)) return;
        restore(undo === true);
      },
    });
  }

  get canUndo(): boolean {
    return DefaultHistoryMemo.canUndo;
  }

  get canRedo(): boolean {
    return DefaultHistoryMemo.canRedo;
  }

  undo(): void {
    DefaultHistoryMemo.undo();
  }

  redo(): void {
    DefaultHistoryMemo.redo();
  }

  /** The labels of a segmentation as Cornerstone holds them (a view, not a copy, where it can). */
  labels(id: string): Uint8Array {
    const entry = this.require(id);
    const volume = cache.getVolume(entry.labelmapVolumeId);
    const values = volume?.voxelManager?.getCompleteScalarDataArray?.() as
      ArrayLike<number> | undefined;
    if (!values) throw new Error(`the labelmap of ${entry.name} is not in the viewer`);
    return values instanceof Uint8Array ? values : Uint8Array.from(values);
  }

  /** Whether a segmentation's voxels differ from those it was added with. */
  edited(id: string): boolean {
    return labelHash(this.labels(id)) !== this.require(id).initialHash;
  }

  /** Voxels per label value of a segmentation. */
  counts(id: string): number[] {
    const counts = new Array<number>(256).fill(0);
    const labels = this.labels(id);
    for (let i = 0; i < labels.length; i++) counts[labels[i] ?? 0]++;
    return counts;
  }

  /** [columns, rows, slices] of the shown volume (and every labelmap). */
  dimensions(): [number, number, number] {
    return this.requireVolume().info.geometry.dimensions;
  }

  /** Voxel spacing (columns, rows, slices) of the shown volume in mm. */
  spacing(): [number, number, number] {
    return this.requireVolume().info.geometry.spacing;
  }

  /** Millilitres of one voxel of the shown volume. */
  voxelMl(): number {
    const [x, y, z] = this.requireVolume().info.geometry.spacing;
    return (x * y * z) / 1000;
  }

  /** Cornerstone's voxel manager of the active labelmap, for edits made here. */
  voxelManager(id: string): Types.IVoxelManager<number> {
    const entry = this.require(id);
    const volume = cache.getVolume(entry.labelmapVolumeId);
    if (!volume?.voxelManager)
      throw new Error(`the labelmap of ${entry.name} is not in the viewer`);
    return volume.voxelManager as Types.IVoxelManager<number>;
  }

  /** Runs an edit of voxels as one undoable step through a Cornerstone labelmap memo. */
  recordEdit(id: string, edit: (set: (index: number, value: number) => void) => void): boolean {
    const entry = this.require(id);
    const source = this.voxelManager(id);
    const memo = toolUtils.segmentation.LabelmapMemo.createLabelmapMemo(
      entry.segmentationId,
      source,
    ) as unknown as {
      voxelManager: {
        setAtIndex(index: number, value: number): void;
        getArrayOfModifiedSlices(): number[];
      };
      commitMemo(): boolean;
      restoreMemo(undo?: boolean): void;
    };
    edit((index, value) => memo.voxelManager.setAtIndex(index, value));
    const slices = memo.voxelManager.getArrayOfModifiedSlices();
    if (!memo.commitMemo()) return false;
    DefaultHistoryMemo.push(memo);
    segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(
      entry.segmentationId,
      slices,
    );
    return true;
  }

  private syncSegments(entry: EditableSegmentation): void {
    const segments: Record<number, ToolTypes.Segment> = {};
    for (const s of entry.segments) {
      segments[s.index] = {
        segmentIndex: s.index,
        label: s.label,
        locked: s.locked,
        cachedStats: {},
        active: s.index === this.activeSegmentIndex,
      };
    }
    segmentation.updateSegmentations([
      { segmentationId: entry.segmentationId, payload: { segments } },
    ]);
    for (const s of entry.segments) {
      segmentation.segmentLocking.setSegmentIndexLocked(entry.segmentationId, s.index, s.locked);
    }
  }

  private applySegmentStyle(entry: EditableSegmentation, segment: SegmentInfo): void {
    for (const viewportId of PLANE_IDS) {
      segmentation.config.color.setSegmentIndexColor(
        viewportId,
        entry.segmentationId,
        segment.index,
        [...segment.color, 255],
      );
      segmentation.config.visibility.setSegmentIndexVisibility(
        viewportId,
        { segmentationId: entry.segmentationId, type: LABELMAP },
        segment.index,
        segment.visible,
      );
    }
    segmentation.segmentLocking.setSegmentIndexLocked(
      entry.segmentationId,
      segment.index,
      segment.locked,
    );
  }

  private require(id: string): EditableSegmentation {
    const entry = this.list.find((s) => s.id === id);
    if (!entry) throw new Error(`no segmentation ${id}`);
    return entry;
  }

  private requireActive(): EditableSegmentation {
    const entry = this.active;
    if (!entry) throw new Error('no segmentation is active');
    return entry;
  }

  private requireVolume(): ShownVolume {
    const volume = this.viewer.volume;
    if (!volume) throw new Error('no volume is shown');
    return volume;
  }
}

function createLabelmapVolume(volume: ShownVolume, volumeId: string, labels: Uint8Array): void {
  const { dimensions, spacing, origin, direction } = volume.info.geometry;
  volumeLoader.createLocalLabelmapVolume(
    {
      metadata: { ...volume.metadata, BitsAllocated: 8, BitsStored: 8, HighBit: 7 },
      dimensions,
      spacing,
      origin,
      direction,
      scalarData: labels,
      referencedVolumeId: volume.cornerstoneVolumeId,
    },
    volumeId,
  );
  describeSlices(volumeId, volume.info.geometry, volume.metadata.FrameOfReferenceUID);
}

/** Resolves when each of the given views (the three by default) has rendered the segmentation. */
export function waitForSegmentationRendered(
  segmentationId: string,
  planes: readonly string[] = PLANE_IDS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const pending = new Set<string>(planes);
    const listener = (event: Event) => {
      const detail = (event as CustomEvent<{ viewportId?: string; segmentationId?: string }>)
        .detail;
      if (detail?.segmentationId && detail.segmentationId !== segmentationId) return;
      if (detail?.viewportId) pending.delete(detail.viewportId);
      if (pending.size === 0) finish();
    };
    const timer = window.setTimeout(() => {
      eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, listener);
      reject(new Error(`the segmentation was not drawn in: ${[...pending].join(', ')}`));
    }, RENDER_TIMEOUT_MS);
    const finish = () => {
      window.clearTimeout(timer);
      eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, listener);
      resolve();
    };
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, listener);
  });
}

/** FNV-1a of the labels: what tells real changes from none, and tests' view of a labelmap state. */
export function labelHash(labels: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    hash ^= labels[i] ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
