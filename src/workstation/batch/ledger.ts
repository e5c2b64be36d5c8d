import { readdir, readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/atomicWrite';

/** What a batch made of one series: files written, and the SEG a server now holds. */
export interface BatchOutputs {
  seg?: string;
  nifti?: string;
  stored?: {
    server: string;
    studyInstanceUid: string;
    seriesInstanceUid: string;
    sopInstanceUid: string;
    /** false when the server held this SEG already (a rerun after a crash stored it) */
    new: boolean;
  };
}

/** One series' line in the ledger: the last attempt's outcome. */
export interface LedgerRecord {
  key: string;
  source: string;
  status: 'done' | 'failed';
  /** why it failed, naming the series and the problem */
  reason?: string;
  outputs: BatchOutputs;
  model: string;
  /** host, process and Slurm job that did it */
  worker: string;
  /** attempts so far, this one included */
  attempts: number;
  seconds: number;
  finishedAt: string;
}

/**
 * The batch's memory: one JSON file per series under `<out>/ledger/`, each written atomically
 * (temp file, fsync, rename), so a killed worker leaves either the old record or the new one,
 * and workers on other nodes never write the same file at once (a series is claimed first).
 */
export class Ledger {
  readonly dir: string;

  constructor(outDir: string) {
    this.dir = join(outDir, 'ledger');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  async get(key: string): Promise<LedgerRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.path(key), 'utf8')) as LedgerRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(
        `the ledger record ${this.path(key)} cannot be read: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async put(record: LedgerRecord): Promise<void> {
    const text = `${JSON.stringify(record, null, 2)}\n`;
    await writeFileAtomic(this.path(record.key), new TextEncoder().encode(text), true);
  }

  /** Every record, in key order. */
  async all(): Promise<LedgerRecord[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .sort();
    const records = await Promise.all(names.map((n) => this.get(n.slice(0, -'.json'.length))));
    return records.filter((r): r is LedgerRecord => r !== undefined);
  }
}
