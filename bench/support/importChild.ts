// One timed import in a fresh process, for bench/import.ts: reads a folder into a Volume and
// prints JSON with the time it took, the process's resident memory before, and its peak. With a
// library folder, then stores the series there and reopens it, timing both.
// Usage: node importChild.mjs FOLDER [LIBRARY]
import { readFileSync } from 'node:fs';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { CaseLibrary } from '../../src/library/CaseLibrary';

/** Resident and peak resident memory of this process (VmRSS, VmHWM), in bytes. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
}

const [dir, libraryRoot] = process.argv.slice(2);
// ru_maxrss would carry the parent's peak over exec on Linux: VmHWM is this process's own.
const rssBefore = memory().rss;
const started = performance.now();
const { volume, description } = await readDicomFolder(dir);
const ms = performance.now() - started;
const peakRss = memory().peak;
let saveMs: number | undefined;
let reopenMs: number | undefined;
if (libraryRoot) {
  const library = new CaseLibrary(libraryRoot);
  const saveStarted = performance.now();
  library.save({ ...description, source: 'dicom', warnings: [] }, volume, { replace: true });
  saveMs = performance.now() - saveStarted;
  const reopenStarted = performance.now();
  new CaseLibrary(libraryRoot).open(description.seriesId);
  reopenMs = performance.now() - reopenStarted;
}
process.stdout.write(
  `${JSON.stringify({ ms, rssBefore, peakRss, volumeBytes: volume.voxels.byteLength, dimensions: volume.geometry.dimensions, saveMs, reopenMs })}\n`,
);
