import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { SeriesSummary } from '../../api/commands';
import { ApiError } from '../../api/errors';
import type { ApiEvent } from '../../api/events';
import type { ImportIssueInfo } from '../../api/libraryCommands';
import { releaseIdleDecoders } from '../../dicom/decodePool';
import { releaseFrameCache } from '../../dicom/framePixels';
import { CaseLibrary } from '../../library/CaseLibrary';
import { ImportCancelled, importPaths } from '../../library/importPaths';
import type { ImportIssue, ImportReport } from '../../library/importPaths';
import type { SeriesRecord } from '../../library/seriesRecord';
import type { Volume } from '../../volume/Volume';
import { errorMessage } from '../../errors/errorMessage';

export interface LibraryServiceOptions {
  /** the user's data folder: the library lives in library/, browser uploads in uploads/ */
  dataDir: string;
  emit: (event: ApiEvent) => void;
  /** tidy what a crash left (half-made series, uploads): not while another process holds it */
  recover?: boolean;
}

/** The thumbnail route of the browser host; relative, so it resolves against the page. */
export function thumbnailUrl(key: string): string {
  return `thumbnails/${key}.png`;
}

export function summarise(library: CaseLibrary, record: SeriesRecord): SeriesSummary {
  return {
    seriesId: record.seriesId,
    patientName: record.patientName,
    studyDescription: record.studyDescription,
    seriesDescription: record.seriesDescription,
    modality: record.modality,
    dimensions: record.geometry.dimensions,
    patientId: record.patientId,
    studyDate: record.studyDate,
    seriesNumber: record.seriesNumber,
    slices: record.geometry.dimensions[2],
    bytes: record.bytes,
    thumbnailUrl: thumbnailUrl(library.key(record.seriesId)),
    importedAt: record.importedAt,
    source: record.source,
  };
}

/** Paths inside an upload folder are shown as the user named them, not as the temp folder. */
function relativeTo(folder: string | undefined, issue: ImportIssue): ImportIssueInfo {
  if (!folder) return { path: issue.path, problem: issue.problem, message: issue.message };
  const strip = (text: string) => text.split(folder + sep).join('');
  return { path: strip(issue.path), problem: issue.problem, message: strip(issue.message) };
}

const UPLOAD_ID = /^up-[0-9a-f-]{36}$/;

/**
 * Imports that run at once; later ones wait their turn. Each holds a file's bytes, a series'
 * voxels and the decoders' memory: twenty at once took the host from 0.3 to 1.7 GB and slowed
 * every answer to the page.
 */
export const MAX_PARALLEL_IMPORTS = 2;

/**
 * The case library behind the api: the series list, reading a series from the library, import
 * jobs (from paths or an upload folder) with progress and cancel, uploads, deletion.
 */
export class LibraryService {
  readonly library: CaseLibrary;
  readonly uploadsRoot: string;
  private readonly imports = new Map<string, AbortController>();
  /** imports waiting for a free slot, first come first served */
  private readonly queued: Array<{ jobId: string; run: () => void }> = [];
  private running = 0;
  private readonly uploads = new Set<string>();
  /** the series of the folders given at start, listed first in their order */
  private startSeries: string[] = [];
  constructor(private readonly options: LibraryServiceOptions) {
    this.library = new CaseLibrary(join(options.dataDir, 'library'));
    this.uploadsRoot = join(options.dataDir, 'uploads');
    if (options.recover ?? true) {
      this.library.sweep();
      // uploads left by an earlier run (a crash, a closed tab) were never imported: drop them
      rmSync(this.uploadsRoot, { recursive: true, force: true });
    }
    mkdirSync(this.uploadsRoot, { recursive: true });
  }

  /**
   * Imports the bundled sample folders; a series already stored is recognised by its
   * SeriesInstanceUID and not read again. A folder that yields no series is an error. Their
   * series head the list (the app opens the first at start, `cli segment` the one it was given).
   */
  async importFolders(folders: string[]): Promise<void> {
    for (const folder of folders) {
      const report = await importPaths([folder], this.library);
      const found = [...report.imported, ...report.existing].map((r) => r.seriesId);
      if (found.length === 0) {
        const why = report.failed.map((f) => f.message).join('; ') || 'no DICOM image found';
        throw new ApiError('invalid_input', `${folder}: ${why}`);
      }
      this.startSeries.push(...found.filter((id) => !this.startSeries.includes(id)));
    }
  }

  /** The folders' series given at start first, then the rest of the library as imported. */
  list(): SeriesSummary[] {
    const rank = (id: string) => {
      const index = this.startSeries.indexOf(id);
      return index < 0 ? this.startSeries.length : index;
    };
    return this.library
      .list()
      .sort((a, b) => rank(a.seriesId) - rank(b.seriesId))
      .map((record) => summarise(this.library, record));
  }

  record(seriesId: string): SeriesRecord {
    if (!this.library.has(seriesId)) throw new ApiError('not_found', `no series ${seriesId}`);
    return this.library.record(seriesId);
  }

  /**
   * Reads a series' voxels onto shared memory, once: the engine's worker reads them in place for
   * every job (the open volumes keep one copy per series, see volumes/OpenVolumes.ts).
   */
  open(seriesId: string): { record: SeriesRecord; volume: Volume } {
    this.record(seriesId);
    return this.library.open(seriesId, { shared: true });
  }

  delete(seriesId: string): boolean {
    const had = this.library.has(seriesId);
    this.library.remove(seriesId);
    return had;
  }

  thumbnail(key: string): Uint8Array | null {
    return this.library.thumbnailByKey(key);
  }

  createUpload(): string {
    const uploadId = `up-${randomUUID()}`;
    mkdirSync(join(this.uploadsRoot, uploadId));
    this.uploads.add(uploadId);
    return uploadId;
  }

  /** The folder of an upload still open for files, or null for an unknown or finished one. */
  uploadFolder(uploadId: string): string | null {
    return UPLOAD_ID.test(uploadId) && this.uploads.has(uploadId)
      ? join(this.uploadsRoot, uploadId)
      : null;
  }

  importPaths(paths: string[]): string {
    const expanded = paths.map((p) => resolve(p.replace(/^~(?=$|[/\\])/, homedir())));
    return this.startImport(expanded);
  }

  /** Imports an upload's folder, then removes it (whatever the outcome). */
  importUpload(uploadId: string): string {
    const folder = this.uploadFolder(uploadId);
    if (!folder) throw new ApiError('not_found', `no upload ${uploadId}`);
    this.uploads.delete(uploadId);
    return this.startImport([folder], folder);
  }

  /** Cancels an import job or discards an upload; false when the id is neither. */
  cancel(id: string): boolean {
    const folder = this.uploadFolder(id);
    if (folder) {
      this.uploads.delete(id);
      rmSync(folder, { recursive: true, force: true });
      return true;
    }
    const job = this.imports.get(id);
    job?.abort();
    return job !== undefined;
  }

  /** Cancels every import (at close). */
  cancelAll(): void {
    for (const job of this.imports.values()) job.abort();
  }

  /**
   * Starts an import now, or queues it (an `import.progress` of phase `queued` says how many are
   * ahead) when MAX_PARALLEL_IMPORTS already run. Cancelling a queued import ends it at once.
   */
  private startImport(paths: string[], uploadFolder?: string): string {
    const jobId = `import-${randomUUID()}`;
    const controller = new AbortController();
    this.imports.set(jobId, controller);
    const run = () => this.runImport(jobId, controller, paths, uploadFolder);
    if (this.running < MAX_PARALLEL_IMPORTS) {
      run();
      return jobId;
    }
    this.queued.push({ jobId, run });
    this.options.emit({
      type: 'import.progress',
      jobId,
      phase: 'queued',
      done: 0,
      total: 0,
      files: 0,
      seriesFound: 0,
      detail: `waiting for ${this.queued.length - 1 + this.running} import(s) to finish`,
    });
    controller.signal.addEventListener('abort', () => {
      const index = this.queued.findIndex((q) => q.jobId === jobId);
      if (index < 0) return;
      this.queued.splice(index, 1);
      this.imports.delete(jobId);
      if (uploadFolder) rmSync(uploadFolder, { recursive: true, force: true });
      this.options.emit({ type: 'job.cancelled', jobId });
    });
    return jobId;
  }

  private runImport(
    jobId: string,
    controller: AbortController,
    paths: string[],
    uploadFolder?: string,
  ): void {
    this.running++;
    let files = 0;
    void importPaths(paths, this.library, {
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === 'scan') files = progress.total;
        this.options.emit({
          type: 'import.progress',
          jobId,
          phase: progress.phase,
          done: progress.done,
          total: progress.total,
          files,
          seriesFound: progress.series ?? 0,
          detail: progress.detail,
        });
      },
    })
      .then(
        (report) => this.finished(jobId, report, uploadFolder),
        (error: unknown) => this.failed(jobId, error),
      )
      .finally(() => {
        this.imports.delete(jobId);
        if (uploadFolder) rmSync(uploadFolder, { recursive: true, force: true });
        this.running--;
        const next = this.queued.shift();
        if (next) next.run();
        else if (this.running === 0) {
          // nothing left to import: give the parsed file and the decoders' memory back now
          releaseFrameCache();
          releaseIdleDecoders();
        }
      });
  }

  private finished(jobId: string, report: ImportReport, uploadFolder?: string): void {
    this.options.emit({
      type: 'import.done',
      jobId,
      files: report.files,
      imported: report.imported.map((r) => r.seriesId),
      existing: report.existing.map((r) => r.seriesId),
      skipped: report.skipped.length,
      errors: report.failed.map((issue) => relativeTo(uploadFolder, issue)),
    });
  }

  private failed(jobId: string, error: unknown): void {
    if (error instanceof ImportCancelled) {
      // a cancelled import leaves the library as it was: what it stored goes again
      for (const record of error.stored) this.delete(record.seriesId);
      this.options.emit({ type: 'job.cancelled', jobId });
      return;
    }
    const message = errorMessage(error);
    this.options.emit({
      type: 'job.failed',
      jobId,
      error: { code: 'internal', message: `import failed: ${message}` },
    });
  }
}
