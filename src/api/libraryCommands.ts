import { z } from 'zod';

const id = z.string().min(1).max(200);
const jobId = z.string().min(1);

/** What the series browser shows of a library series, beyond the summary's first fields. */
export const seriesLibraryFields = {
  patientId: z.string(),
  /** DICOM DA (YYYYMMDD) or empty */
  studyDate: z.string(),
  seriesNumber: z.number(),
  slices: z.number().int().nonnegative(),
  /** bytes of the stored voxels */
  bytes: z.number().int().nonnegative(),
  /** the thumbnail, relative to the page (browser host: token rule as every request) */
  thumbnailUrl: z.string(),
  /** ISO time the series entered the library */
  importedAt: z.string(),
  source: z.enum(['dicom', 'nifti']),
};

/** One file or series that was not imported, named with its problem. */
export const importIssueSchema = z.object({
  path: z.string(),
  problem: z.string(),
  message: z.string(),
});
export type ImportIssueInfo = z.infer<typeof importIssueSchema>;

/**
 * The case library: import from paths on this machine (Electron's dialog, the CLI) or from files
 * uploaded by a browser (`createUpload`, then `PUT /uploads/<uploadId>/<relative path>` for each
 * file, then `importUpload`), delete a series. Imports run as jobs: `import.progress` events,
 * then `import.done`, or `job.cancelled` after `cancelJob` (nothing of the job stays stored).
 */
export const libraryCommandSchemas = {
  importPaths: {
    params: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(1000) }).strict(),
    result: z.object({ jobId: id }),
  },
  /** A fresh upload folder in the data folder; `cancelJob` with its id discards it. */
  createUpload: { params: z.object({}).strict(), result: z.object({ uploadId: id }) },
  importUpload: {
    params: z.object({ uploadId: id }).strict(),
    result: z.object({ jobId: id }),
  },
  deleteSeries: {
    params: z.object({ seriesId: id }).strict(),
    result: z.object({ deleted: z.boolean() }),
  },
} as const;

export const importProgressEventSchema = z.object({
  type: z.literal('import.progress'),
  jobId,
  /**
   * queued: waiting for other imports to finish (detail says how many); scan: reading headers;
   * read: building a series; nifti: reading NIfTI files
   */
  phase: z.enum(['queued', 'scan', 'read', 'nifti']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** files found by the import */
  files: z.number().int().nonnegative(),
  /** series found so far (0 while the headers are scanned) */
  seriesFound: z.number().int().nonnegative(),
  detail: z.string(),
});

export const importDoneEventSchema = z.object({
  type: z.literal('import.done'),
  jobId,
  files: z.number().int().nonnegative(),
  /** series stored by this import */
  imported: z.array(id),
  /** series the library already held (recognised by SeriesInstanceUID) */
  existing: z.array(id),
  /** files without an image (SR, PR, DICOMDIR, ...) or duplicates: not errors */
  skipped: z.number().int().nonnegative(),
  errors: z.array(importIssueSchema),
});

export const libraryEventSchemas = [importProgressEventSchema, importDoneEventSchema] as const;
