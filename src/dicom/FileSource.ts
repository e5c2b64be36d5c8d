import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { DicomReadError } from './DicomReadError';

/**
 * A file to import, on disk or inside a zip. Reads are synchronous on purpose: for local files
 * already in the page cache they are several times faster than promise-based reads, and the
 * importer yields to the event loop between batches for progress and cancel.
 */
export interface FileSource {
  /** the path shown to the user: a file path, or `archive.zip/inner/path` */
  readonly path: string;
  readonly size: number;
  /** up to `length` bytes from the start */
  head(length: number): Uint8Array;
  all(): Uint8Array;
  /** `target.length` bytes from `offset` into `target` */
  readInto(target: Uint8Array, offset: number): void;
}

export function diskFile(path: string, size = statSync(path).size): FileSource {
  const readRange = (target: Uint8Array, offset: number) => {
    const fd = openSync(path, 'r');
    try {
      let done = 0;
      while (done < target.length) {
        const n = readSync(fd, target, done, target.length - done, offset + done);
        if (n === 0)
          throw new DicomReadError(path, `file ends at byte ${offset + done}`, 'truncated');
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  };
  return {
    path,
    size,
    head(length) {
      const bytes = new Uint8Array(Math.min(length, size));
      readRange(bytes, 0);
      return bytes;
    },
    all() {
      const bytes = new Uint8Array(size);
      readRange(bytes, 0);
      return bytes;
    },
    readInto: readRange,
  };
}

export function memoryFile(path: string, bytes: Uint8Array): FileSource {
  return {
    path,
    size: bytes.length,
    head: (length) => bytes.subarray(0, length),
    all: () => bytes,
    readInto(target, offset) {
      if (offset + target.length > bytes.length)
        throw new DicomReadError(path, `file ends at byte ${bytes.length}`, 'truncated');
      target.set(bytes.subarray(offset, offset + target.length));
    },
  };
}
