import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { discardPartialRetrieve, partialDirOf } from '../../pacs/retrieveSeries';
import { writeFileAtomic } from '../../files/atomicWrite';
import type { DicomSource } from '../export/dicomSource';

const recordSchema = z.object({
  serverId: z.string(),
  studyInstanceUid: z.string(),
  seriesInstanceUid: z.string(),
  /** the library's ids of what the series was imported as */
  seriesIds: z.array(z.string()),
  retrievedAt: z.string(),
});
export type RetrievedRecord = z.infer<typeof recordSchema>;

/**
 * The DICOM files of series retrieved from a PACS, kept after their import into the library:
 * the library keeps volumes, and a SEG drawn on such a series must name these instances.
 * `<root>/<key>/` holds the files (`<key>.partial/` while a retrieve is under way or was cut),
 * `<root>/<key>.json` what they were imported as, written last.
 */
export class RetrievedSeries {
  constructor(readonly root: string) {}

  /** Where the files of a series go; the same folder every time, so a cut retrieve resumes. */
  dirOf(seriesInstanceUid: string): string {
    return join(
      this.root,
      createHash('sha256').update(seriesInstanceUid).digest('hex').slice(0, 32),
    );
  }

  async ensureRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async record(seriesInstanceUid: string): Promise<RetrievedRecord | undefined> {
    return this.readRecord(`${this.dirOf(seriesInstanceUid)}.json`);
  }

  async save(record: RetrievedRecord): Promise<void> {
    const path = `${this.dirOf(record.seriesInstanceUid)}.json`;
    await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(record, null, 1)), true);
  }

  /** Drops a series' files and record (an import that failed leaves nothing behind). */
  async discard(seriesInstanceUid: string): Promise<void> {
    const dir = this.dirOf(seriesInstanceUid);
    await rm(`${dir}.json`, { force: true });
    await rm(dir, { recursive: true, force: true });
  }

  /** Drops the files of a retrieve that did not finish; false when there were none. */
  async discardPartial(seriesInstanceUid: string): Promise<boolean> {
    const partial = partialDirOf(this.dirOf(seriesInstanceUid));
    const found = await stat(partial).then(
      () => true,
      () => false,
    );
    await discardPartialRetrieve(this.dirOf(seriesInstanceUid));
    return found;
  }

  /** The DICOM files behind a library series, when it came from a PACS. */
  async sourceOf(seriesId: string): Promise<DicomSource | undefined> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return undefined;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const record = await this.readRecord(join(this.root, name));
      if (record?.seriesIds.includes(seriesId)) {
        return {
          dir: this.dirOf(record.seriesInstanceUid),
          seriesInstanceUid: record.seriesInstanceUid,
        };
      }
    }
    return undefined;
  }

  private async readRecord(path: string): Promise<RetrievedRecord | undefined> {
    try {
      const parsed = recordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
