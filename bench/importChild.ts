// One timed import in a fresh process, for bench/import.ts: reads a folder into a Volume and
// prints JSON with the time it took, the process's resident memory before, and its peak.
// Usage: node --import tsx bench/importChild.ts FOLDER
import { readFileSync } from 'node:fs';
import { readDicomFolder } from '../src/dicom/readDicomFolder';

/** Resident and peak resident memory of this process (VmRSS, VmHWM), in bytes. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
}

const [dir] = process.argv.slice(2);
// ru_maxrss would carry the parent's peak over exec on Linux: VmHWM is this process's own.
const rssBefore = memory().rss;
const started = performance.now();
const { volume } = await readDicomFolder(dir);
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    ms,
    rssBefore,
    peakRss: memory().peak,
    volumeBytes: volume.voxels.byteLength,
    dimensions: volume.geometry.dimensions,
  })}\n`,
);
