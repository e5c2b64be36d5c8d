import { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';
import type { FileSource } from './FileSource';
import { parseDataSet, parserMessage, sliceHeaders } from './parseHeader';

/** Most headers end inside this; longer ones (vendor private data, multi-frame) read on. */
const HEAD_BYTES = 8 * 1024;

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ScanResult {
  slices: DicomSlice[];
  /** files that gave no slice: non-image objects (counted) and errors (listed), each named */
  issues: DicomReadError[];
}

function headerOf(source: FileSource): DicomSlice[] {
  if (source.size === 0) throw new DicomReadError(source.path, 'empty file', 'empty');
  // Heads of growing size: an enhanced multi-frame header can run to megabytes, but its pixels
  // (most of the file) are never needed to read it.
  for (let length = HEAD_BYTES; length < source.size; length *= 8) {
    try {
      const dataSet = parseDataSet(source.head(length), source.path, true);
      // A head can end cleanly between two elements, short of the pixels: read on.
      if (dataSet.elements['x7fe00010'] || dataSet.elements['x7fe00008']) {
        return sliceHeaders(dataSet, source);
      }
    } catch (error) {
      // Only a header that runs past the head is retried longer; a real problem is reported.
      if (!(error instanceof DicomReadError) || error.problem !== 'malformed') throw error;
    }
  }
  return sliceHeaders(parseDataSet(source.all(), source.path, true), source);
}

/**
 * What a failed header read was: the system's errors (a code such as EACCES or EIO) are I/O;
 * anything else a parser threw (dicom-parser throws plain strings for a length that runs past
 * the data, say) is a malformed file, in the parser's own words.
 */
function readProblem(path: string, error: unknown): DicomReadError {
  if (error instanceof DicomReadError) return error;
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string')
    return new DicomReadError(path, `cannot read (${error.message})`, 'io');
  return new DicomReadError(
    path,
    `not a readable DICOM file (${parserMessage(error)})`,
    'malformed',
  );
}

/** One slice per SOP Instance UID: the same image exported twice (say, in two syntaxes) once. */
function withoutDuplicates(slices: DicomSlice[], issues: DicomReadError[]): DicomSlice[] {
  const seen = new Map<string, DicomSlice>();
  return slices.filter((s) => {
    if (!s.sopInstanceUid) return true;
    const first = seen.get(s.sopInstanceUid);
    if (!first) {
      seen.set(s.sopInstanceUid, s);
      return true;
    }
    if (s.location.frame === 0) {
      issues.push(
        new DicomReadError(
          s.path,
          `the same image (SOP Instance UID) as ${first.path}: skipped`,
          'duplicate',
        ),
      );
    }
    return false;
  });
}

/**
 * Reads the header of every file (pixels stay on disk). A file that is not a DICOM image, or is
 * broken, becomes an issue naming it; the scan goes on.
 */
export async function scanFiles(
  sources: FileSource[],
  options: ScanOptions = {},
): Promise<ScanResult> {
  const slices: DicomSlice[] = [];
  const issues: DicomReadError[] = [];
  for (const [n, source] of sources.entries()) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('cancelled');
    try {
      slices.push(...headerOf(source));
    } catch (error) {
      issues.push(readProblem(source.path, error));
    }
    if (n % 64 === 63) {
      options.onProgress?.(n + 1, sources.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  options.onProgress?.(sources.length, sources.length);
  return { slices: withoutDuplicates(slices, issues), issues };
}
