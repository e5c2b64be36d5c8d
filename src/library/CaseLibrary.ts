import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { voxelCount, voxelRange, voxelTypeOf } from '../volume/Volume';
import type { Volume, VoxelArray } from '../volume/Volume';
import { voxelArrays } from '../volume/geometry';
import { writeFileAtomicSync } from '../files/atomicWrite';
import { seriesRecordSchema } from './seriesRecord';
import type { SeriesRecord } from './seriesRecord';
import { seriesSourceSchema } from './seriesSource';
import type { SeriesSource } from './seriesSource';
import { thumbnail } from './thumbnail';

const SOURCE = 'source.json';

function sourceBytes(source: SeriesSource): Uint8Array {
  return Buffer.from(JSON.stringify(seriesSourceSchema.parse(source)));
}

export type NewSeries = Omit<
  SeriesRecord,
  'version' | 'geometry' | 'voxelType' | 'range' | 'importedAt' | 'bytes'
>;

/**
 * The steps of a save, in order, for fault injection: a test kills the process at each to show
 * that the next start (its sweep) finds the series, old or new, never neither.
 */
export type SaveStep = 'volume-written' | 'built' | 'old-moved' | 'new-moved' | 'old-removed';

export interface CaseLibraryOptions {
  /** called after each step of a save (tests only) */
  onSaveStep?: (step: SaveStep, seriesId: string) => void;
}

/** Folder names of a save or removal in progress: the sweep's only evidence after a crash. */
const BUILDING = /^\.tmp-([0-9a-f]{32})-[0-9a-f]{12}$/;
const DISPLACED = /^\.old-([0-9a-f]{32})-[0-9a-f]{12}$/;

function suffix(): string {
  return randomBytes(6).toString('hex');
}

export class LibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryError';
  }
}

/**
 * The local case library: each imported series stored once under `<root>/series/<key>/` as
 * volume.bin (raw little-endian voxels), meta.json, thumbnail.png and, for a DICOM series,
 * source.json (what a SEG must reference: see seriesSource.ts). A series folder is built
 * under a temporary name and renamed into place whole, so a crash never leaves half a case, and
 * a reader never sees one. Replacing a series moves the old folder aside first; both names carry
 * the series' key, so the sweep at the next start can finish or undo a swap a crash cut short.
 */
export class CaseLibrary {
  readonly seriesRoot: string;

  constructor(
    readonly root: string,
    private readonly options: CaseLibraryOptions = {},
  ) {
    this.seriesRoot = join(root, 'series');
    mkdirSync(this.seriesRoot, { recursive: true });
  }

  /**
   * A folder name for any id: UIDs are safe, ids from paths or hashes need not be. The key is
   * also what names the series in URLs (thumbnails): 32 hex digits, nothing to escape.
   */
  key(seriesId: string): string {
    return createHash('sha256').update(seriesId).digest('hex').slice(0, 32);
  }

  private folder(seriesId: string): string {
    return join(this.seriesRoot, this.key(seriesId));
  }

  has(seriesId: string): boolean {
    return existsSync(join(this.folder(seriesId), 'meta.json'));
  }

  record(seriesId: string): SeriesRecord {
    const path = join(this.folder(seriesId), 'meta.json');
    if (!existsSync(path)) throw new LibraryError(`series ${seriesId} is not in the library`);
    const parsed = seriesRecordSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success)
      throw new LibraryError(`${path}: not a valid series record (${parsed.error.message})`);
    return parsed.data;
  }

  /** Every stored series; folders that are not (leftovers, damaged records) are passed over. */
  list(): SeriesRecord[] {
    const records: SeriesRecord[] = [];
    for (const name of readdirSync(this.seriesRoot)) {
      if (name.startsWith('.')) continue;
      try {
        const parsed = seriesRecordSchema.safeParse(
          JSON.parse(readFileSync(join(this.seriesRoot, name, 'meta.json'), 'utf8')),
        );
        if (parsed.success) records.push(parsed.data);
      } catch {
        // no meta.json: not a series folder
      }
    }
    return records.sort((a, b) => a.importedAt.localeCompare(b.importedAt));
  }

  /** Stores a series; one already stored under the id is replaced only when `replace` is set. */
  save(
    series: NewSeries,
    volume: Volume,
    options: { replace?: boolean; source?: SeriesSource } = {},
  ): SeriesRecord {
    const target = this.folder(series.seriesId);
    if (existsSync(target) && !options.replace) {
      throw new LibraryError(`series ${series.seriesId} is already in the library`);
    }
    if (volume.voxels.length !== voxelCount(volume.geometry)) {
      throw new LibraryError(
        `series ${series.seriesId}: ${volume.voxels.length} voxels for a ${volume.geometry.dimensions.join('x')} grid`,
      );
    }
    const bytes = new Uint8Array(
      volume.voxels.buffer,
      volume.voxels.byteOffset,
      volume.voxels.byteLength,
    );
    const record: SeriesRecord = {
      version: 1,
      ...series,
      geometry: volume.geometry,
      voxelType: voxelTypeOf(volume.voxels),
      range: voxelRange(volume.voxels),
      importedAt: new Date().toISOString(),
      bytes: bytes.length,
    };
    const key = this.key(series.seriesId);
    const step = (name: SaveStep) => this.options.onSaveStep?.(name, series.seriesId);
    const building = join(this.seriesRoot, `.tmp-${key}-${suffix()}`);
    mkdirSync(building);
    try {
      writeFileAtomicSync(join(building, 'volume.bin'), bytes);
      step('volume-written');
      writeFileAtomicSync(join(building, 'thumbnail.png'), thumbnail(volume));
      if (options.source) writeFileAtomicSync(join(building, SOURCE), sourceBytes(options.source));
      // meta.json last: a folder with it is complete.
      writeFileAtomicSync(
        join(building, 'meta.json'),
        Buffer.from(JSON.stringify(record, null, 1)),
      );
      step('built');
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      throw error;
    }
    if (existsSync(target)) {
      // From here a crash leaves the old folder aside and, until the next rename, the new one
      // complete under its temporary name: sweep() finishes the swap from either.
      const old = join(this.seriesRoot, `.old-${key}-${suffix()}`);
      renameSync(target, old);
      step('old-moved');
      try {
        renameSync(building, target);
      } catch (error) {
        renameSync(old, target);
        rmSync(building, { recursive: true, force: true });
        throw error;
      }
      step('new-moved');
      rmSync(old, { recursive: true, force: true });
      step('old-removed');
    } else {
      try {
        renameSync(building, target);
      } catch (error) {
        rmSync(building, { recursive: true, force: true });
        throw error;
      }
      step('new-moved');
    }
    return record;
  }

  /**
   * What a SEG of the series must reference, or undefined where none was kept (a NIfTI series,
   * a series stored before the library kept references).
   */
  source(seriesId: string): SeriesSource | undefined {
    const path = join(this.folder(seriesId), SOURCE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    let parsed;
    try {
      parsed = seriesSourceSchema.safeParse(JSON.parse(text));
    } catch (error) {
      throw new LibraryError(`${path}: not a valid source record (${(error as Error).message})`);
    }
    if (!parsed.success)
      throw new LibraryError(`${path}: not a valid source record (${parsed.error.message})`);
    return parsed.data;
  }

  /** Adds the source record to a series stored without one (imported by an older version). */
  attachSource(seriesId: string, source: SeriesSource): void {
    if (!this.has(seriesId)) throw new LibraryError(`series ${seriesId} is not in the library`);
    writeFileAtomicSync(join(this.folder(seriesId), SOURCE), sourceBytes(source));
  }

  /** `shared`: the voxels on a SharedArrayBuffer, which a worker reads without a copy. */
  open(
    seriesId: string,
    options: { shared?: boolean } = {},
  ): { record: SeriesRecord; volume: Volume } {
    const record = this.record(seriesId);
    const path = join(this.folder(seriesId), 'volume.bin');
    // Read straight into the voxels' own buffer: no second copy of a large volume.
    const buffer = options.shared
      ? new SharedArrayBuffer(record.bytes)
      : new ArrayBuffer(record.bytes);
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size !== record.bytes) {
        throw new LibraryError(`${path}: holds ${size} bytes where ${record.bytes} were stored`);
      }
      const bytes = new Uint8Array(buffer);
      for (let done = 0; done < bytes.length;) {
        done += readSync(fd, bytes, done, bytes.length - done, done);
      }
    } finally {
      closeSync(fd);
    }
    // The lib's typed-array overloads omit SharedArrayBuffer, which every constructor accepts.
    const VoxelArrayType = voxelArrays[record.voxelType] as new (
      buffer: ArrayBufferLike,
    ) => VoxelArray;
    return { record, volume: { geometry: record.geometry, voxels: new VoxelArrayType(buffer) } };
  }

  thumbnail(seriesId: string): Uint8Array {
    return readFileSync(join(this.folder(seriesId), 'thumbnail.png'));
  }

  /** The thumbnail of the series stored under `key`, or null when there is none. */
  thumbnailByKey(key: string): Uint8Array | null {
    if (!/^[0-9a-f]{32}$/.test(key)) return null;
    try {
      return readFileSync(join(this.seriesRoot, key, 'thumbnail.png'));
    } catch {
      return null;
    }
  }

  remove(seriesId: string): void {
    const target = this.folder(seriesId);
    if (!existsSync(target)) return;
    // a name the sweep never restores: a removal cut short is finished, not undone
    const gone = join(this.seriesRoot, `.del-${suffix()}`);
    renameSync(target, gone);
    rmSync(gone, { recursive: true, force: true });
  }

  /**
   * Brings the library back to whole series after a crash; called at start-up, before any save.
   * A series moved aside by a replace comes back unless its replacement is in place (then the
   * old copy goes), or complete under its temporary name (then the swap is finished). A new
   * series built completely but not yet renamed is put in place; anything else half-made (an
   * incomplete build, a removal cut short, the leftovers of older versions) is removed.
   */
  sweep(): void {
    const names = readdirSync(this.seriesRoot);
    const complete = (name: string) => existsSync(join(this.seriesRoot, name, 'meta.json'));
    const built = new Map<string, string>();
    for (const name of names) {
      const key = BUILDING.exec(name)?.[1];
      if (key && complete(name)) built.set(key, name);
    }
    const restore = (key: string, from: string) => {
      const target = join(this.seriesRoot, key);
      if (existsSync(target)) return false;
      renameSync(join(this.seriesRoot, from), target);
      return true;
    };
    for (const name of names) {
      const key = DISPLACED.exec(name)?.[1];
      if (!key || complete(key)) continue;
      const newer = built.get(key);
      if (newer && restore(key, newer)) built.delete(key);
      else restore(key, name);
    }
    for (const [key, name] of built) restore(key, name);
    for (const name of readdirSync(this.seriesRoot)) {
      if (name.startsWith('.tmp-') || name.startsWith('.old-') || name.startsWith('.del-')) {
        rmSync(join(this.seriesRoot, name), { recursive: true, force: true });
      }
    }
  }
}
