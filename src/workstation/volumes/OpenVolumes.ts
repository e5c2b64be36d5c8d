import { randomUUID } from 'node:crypto';
import type { LabelmapInfo } from '../../api/commands';
import { ApiError } from '../../api/errors';
import type { SeriesRecord } from '../../library/seriesRecord';
import type { Volume } from '../../volume/Volume';

export interface Labelmap {
  info: LabelmapInfo;
  labels: Uint8Array;
}

/** One series' (or image file's) voxels in memory, shared by every volume id it was opened under. */
interface Loaded {
  /** its key in `loaded`: the series id, or the series id and its import time once replaced */
  key: string;
  /** the library series; undefined for an image read from a file (`hold`) */
  seriesId?: string;
  importedAt?: string;
  /** what the volume is, for errors: the series id or the file */
  name: string;
  volume: Volume;
  volumeIds: Set<string>;
}

export interface OpenVolumesOptions {
  /** the library's record of a series (not_found when it has none) */
  record(seriesId: string): SeriesRecord;
  /** reads a series' voxels, on shared memory (the engine then reads them in place) */
  read(seriesId: string): Volume;
  /**
   * bytes of voxels kept open; past it the least recently used series are closed (with their
   * labelmaps), except the one just opened and those holding unsaved edits
   */
  budgetBytes: number;
}

/**
 * The volumes and labelmaps the core holds for its pages and jobs. Opening a series twice
 * shares one copy of its voxels; a series stored again since (import with replace, a PACS
 * retrieve) is read again. Memory is bounded by use: the least recently used series go once the
 * budget is passed, and a labelmap goes with its volume. Edits a page handed over and did not
 * save since are never dropped: such a volume is not evicted, and closing it is refused naming
 * them unless the caller discards them.
 */
export class OpenVolumes {
  /** series in memory, least recently used first (a Map keeps insertion order) */
  private readonly loaded = new Map<string, Loaded>();
  private readonly volumes = new Map<string, Loaded>();
  private readonly labelmaps = new Map<string, Labelmap>();
  /** labelmaps a page put (its edits) and did not save since */
  private readonly unsaved = new Set<string>();

  constructor(private readonly options: OpenVolumesOptions) {}

  /** Opens a library series under a new volume id, evicting by use past the budget. */
  open(seriesId: string): { volumeId: string; record: SeriesRecord; volume: Volume } {
    const record = this.options.record(seriesId);
    let entry = this.loaded.get(seriesId);
    if (entry?.importedAt !== record.importedAt) {
      if (entry) {
        // the series was stored again: its older volume ids stay open on the voxels they showed
        this.loaded.delete(seriesId);
        entry.key = `${seriesId}@${entry.importedAt}`;
        this.loaded.set(entry.key, entry);
      }
      entry = {
        key: seriesId,
        seriesId,
        importedAt: record.importedAt,
        name: seriesId,
        volume: this.options.read(seriesId),
        volumeIds: new Set(),
      };
      this.loaded.set(seriesId, entry);
    }
    const volumeId = `vol-${randomUUID()}`;
    entry.volumeIds.add(volumeId);
    this.volumes.set(volumeId, entry);
    this.touch(entry);
    this.evict(entry);
    return { volumeId, record, volume: entry.volume };
  }

  /**
   * Holds an image that is no library series (the CLI's image files) under a new volume id,
   * evicted by use like a series; `name` (its file) is what errors call it.
   */
  hold(volume: Volume, name: string): string {
    const entry: Loaded = { key: `file-${randomUUID()}`, name, volume, volumeIds: new Set() };
    this.loaded.set(entry.key, entry);
    const volumeId = `vol-${randomUUID()}`;
    entry.volumeIds.add(volumeId);
    this.volumes.set(volumeId, entry);
    this.evict(entry);
    return volumeId;
  }

  volume(volumeId: string): Volume {
    return this.entry(volumeId).volume;
  }

  /** The library series an open volume shows; invalid_input for an image held from a file. */
  seriesOf(volumeId: string): string {
    const entry = this.entry(volumeId);
    if (entry.seriesId === undefined)
      throw new ApiError(
        'invalid_input',
        `volume ${volumeId} is the file ${entry.name}, not a library series`,
      );
    return entry.seriesId;
  }

  /** Holds a labelmap of an open volume (a job's result, an import, a saved one loaded). */
  add(info: LabelmapInfo, labels: Uint8Array): void {
    const [columns, rows, slices] = this.volume(info.volumeId).geometry.dimensions;
    if (labels.length !== columns * rows * slices) {
      throw new ApiError(
        'bad_request',
        `the labelmap has ${labels.length} voxels, volume ${info.volumeId} ${columns * rows * slices}`,
      );
    }
    this.labelmaps.set(info.labelmapId, { info, labels });
    this.unsaved.delete(info.labelmapId);
  }

  /** Holds a page's edited labelmap: an unsaved edit until `saved` is called for it. */
  put(labelmapId: string, volumeId: string, labels: Uint8Array): void {
    this.add({ labelmapId, volumeId, classes: [], counts: [] }, labels);
    this.unsaved.add(labelmapId);
  }

  /** The labelmap was written to the segmentation store: closing its volume loses nothing. */
  saved(labelmapId: string): void {
    this.unsaved.delete(labelmapId);
  }

  labelmap(labelmapId: string): Labelmap {
    const entry = this.labelmaps.get(labelmapId);
    if (!entry) throw new ApiError('not_found', `no labelmap ${labelmapId}`);
    const volume = this.volumes.get(entry.info.volumeId);
    if (volume) this.touch(volume);
    return entry;
  }

  /**
   * Closes a volume id and its labelmaps; the voxels go when no other id shows them. Refused
   * with code `unsaved`, naming them, while its labelmaps hold edits not saved, unless discarded.
   */
  close(volumeId: string, discardUnsaved = false): { labelmaps: string[] } {
    const entry = this.entry(volumeId);
    const unsaved = this.unsavedOf(volumeId);
    if (unsaved.length && !discardUnsaved) {
      throw new ApiError(
        'unsaved',
        `volume ${volumeId} holds edits not saved (labelmap ${unsaved.join(', ')}): save them or close discarding them`,
      );
    }
    const labelmaps = [...this.labelmaps.values()]
      .filter((l) => l.info.volumeId === volumeId)
      .map((l) => l.info.labelmapId);
    for (const id of labelmaps) {
      this.labelmaps.delete(id);
      this.unsaved.delete(id);
    }
    this.volumes.delete(volumeId);
    entry.volumeIds.delete(volumeId);
    if (entry.volumeIds.size === 0) this.loaded.delete(entry.key);
    return { labelmaps };
  }

  /** Bytes of voxels held now, each series once. */
  get bytes(): number {
    let total = 0;
    for (const entry of this.loaded.values()) total += entry.volume.voxels.byteLength;
    return total;
  }

  /** How many volume ids and labelmaps are open (for tests and diagnostics). */
  get counts(): { series: number; volumes: number; labelmaps: number } {
    return { series: this.loaded.size, volumes: this.volumes.size, labelmaps: this.labelmaps.size };
  }

  private entry(volumeId: string): Loaded {
    const entry = this.volumes.get(volumeId);
    if (!entry) throw new ApiError('not_found', `no open volume ${volumeId}`);
    this.touch(entry);
    return entry;
  }

  /** Marks a series as the most recently used. */
  private touch(entry: Loaded): void {
    if (this.loaded.get(entry.key) !== entry) return;
    this.loaded.delete(entry.key);
    this.loaded.set(entry.key, entry);
  }

  private unsavedOf(volumeId: string): string[] {
    return [...this.unsaved].filter((id) => this.labelmaps.get(id)?.info.volumeId === volumeId);
  }

  /** Closes the least recently used series until the budget holds, sparing `keep` and edits. */
  private evict(keep: Loaded): void {
    for (const entry of [...this.loaded.values()]) {
      if (this.bytes <= this.options.budgetBytes) return;
      if (entry === keep) continue;
      const ids = [...entry.volumeIds];
      if (ids.some((id) => this.unsavedOf(id).length > 0)) continue;
      for (const id of ids) this.close(id);
    }
  }
}
