import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ApiError } from '../../api/errors';
import {
  savedSegmentationSchema,
  type SavedSegmentation,
  type SegmentInfoRecord,
} from '../../api/segmentationCommands';
import { writeFileAtomic } from '../../files/atomicWrite';
import { errorMessage } from '../../errors/errorMessage';

/** What a record holds beyond the api's description: where its labels are and their shape. */
interface StoredRecord extends SavedSegmentation {
  labelsFile: string;
  voxels: number;
  sha256: string;
}

/**
 * The segmentations of each series under `<dataDir>/segmentations/<series>/`: per segmentation a
 * JSON record (segment table, revision) and the labels as gzipped raw bytes (one per voxel, the
 * volume's order) in a file named by revision. A save writes the labels file first and then the
 * record, both atomically, then deletes the older labels: the record is the commit point, so a
 * crash at any moment leaves the last complete save readable.
 */
export class SegmentationStore {
  constructor(private readonly dataDir: string) {}

  private seriesDir(seriesId: string): string {
    // a DICOM UID is digits and dots; anything else is reduced to a safe, still unique name
    const safe =
      /^[\w.-]{1,120}$/.test(seriesId) && !seriesId.startsWith('.')
        ? seriesId
        : `s-${createHash('sha256').update(seriesId).digest('hex').slice(0, 32)}`;
    return join(this.dataDir, 'segmentations', safe);
  }

  async list(seriesId: string): Promise<SavedSegmentation[]> {
    const dir = this.seriesDir(seriesId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const records: SavedSegmentation[] = [];
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
      const record = await this.readRecord(join(dir, name)).catch(() => null);
      if (record && record.seriesId === seriesId) records.push(describe(record));
    }
    return records.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  }

  async save(options: {
    seriesId: string;
    segmentationId: string;
    name: string;
    segments: SegmentInfoRecord[];
    revision: number;
    labels: Uint8Array;
  }): Promise<SavedSegmentation> {
    const dir = this.seriesDir(options.seriesId);
    await mkdir(dir, { recursive: true });
    const recordPath = join(dir, `${options.segmentationId}.json`);
    const previous = await this.readRecord(recordPath).catch(() => null);
    if (previous && previous.revision > options.revision) {
      throw new ApiError(
        'bad_request',
        `segmentation ${options.segmentationId}: revision ${options.revision} is older than the saved ${previous.revision}`,
      );
    }
    let labelled = 0;
    for (const value of options.labels) if (value !== 0) labelled++;
    const labelsFile = `${options.segmentationId}.r${options.revision}.labels.gz`;
    await writeFileAtomic(join(dir, labelsFile), gzipSync(options.labels, { level: 1 }), true);
    const record: StoredRecord = {
      segmentationId: options.segmentationId,
      seriesId: options.seriesId,
      name: options.name,
      segments: options.segments,
      savedAt: new Date().toISOString(),
      revision: options.revision,
      labelledVoxels: labelled,
      labelsFile,
      voxels: options.labels.length,
      sha256: createHash('sha256').update(options.labels).digest('hex'),
    };
    await writeFileAtomic(recordPath, Buffer.from(JSON.stringify(record, null, 1)), true);
    await this.removeStaleLabels(dir, options.segmentationId, labelsFile);
    return describe(record);
  }

  async load(
    seriesId: string,
    segmentationId: string,
  ): Promise<{ segmentation: SavedSegmentation; labels: Uint8Array }> {
    const dir = this.seriesDir(seriesId);
    const record = await this.readRecord(join(dir, `${segmentationId}.json`)).catch(
      (error: unknown) => {
        throw new ApiError(
          'not_found',
          `no saved segmentation ${segmentationId}: ${errorMessage(error)}`,
        );
      },
    );
    let labels: Uint8Array;
    try {
      labels = new Uint8Array(gunzipSync(await readFile(join(dir, record.labelsFile))));
    } catch (error) {
      throw new ApiError(
        'io_error',
        `the labels of ${segmentationId} cannot be read: ${errorMessage(error)}`,
      );
    }
    const sha = createHash('sha256').update(labels).digest('hex');
    if (labels.length !== record.voxels || sha !== record.sha256) {
      throw new ApiError('io_error', `the labels of ${segmentationId} are damaged`);
    }
    return { segmentation: describe(record), labels };
  }

  async remove(seriesId: string, segmentationId: string): Promise<boolean> {
    const dir = this.seriesDir(seriesId);
    const recordPath = join(dir, `${segmentationId}.json`);
    const existed = await readFile(recordPath).then(
      () => true,
      () => false,
    );
    await rm(recordPath, { force: true });
    await this.removeStaleLabels(dir, segmentationId, null);
    return existed;
  }

  private async readRecord(path: string): Promise<StoredRecord> {
    const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const described = savedSegmentationSchema.parse(raw);
    const { labelsFile, voxels, sha256 } = raw;
    if (typeof labelsFile !== 'string' || !/^[\w.-]+$/.test(labelsFile)) {
      throw new Error(`${path}: no labels file`);
    }
    if (typeof voxels !== 'number' || typeof sha256 !== 'string') {
      throw new Error(`${path}: no size or checksum`);
    }
    return { ...described, labelsFile, voxels, sha256 };
  }

  private async removeStaleLabels(dir: string, segmentationId: string, keep: string | null) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const prefix = `${segmentationId}.r`;
    for (const name of names) {
      if (name.startsWith(prefix) && name.endsWith('.labels.gz') && name !== keep) {
        await rm(join(dir, name), { force: true });
      }
    }
  }
}

function describe(record: StoredRecord): SavedSegmentation {
  return {
    segmentationId: record.segmentationId,
    seriesId: record.seriesId,
    name: record.name,
    segments: record.segments,
    savedAt: record.savedAt,
    revision: record.revision,
    labelledVoxels: record.labelledVoxels,
  };
}
