// `npm run bench -- import [runs]`: a 316-slice series made from mricron-data's ch2better.nii.gz
// (301x370x316, 0.5 mm) and a synthetic 1000-slice 512x512 CT, imported from files to a ready
// Volume, each run in a fresh process; dcm2niix converts the same folders in the same run.
// Prints the medians, the ratio, and our peak memory against the volume's size.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { readNifti } from '../src/nifti/readNifti';
import { PLANES, permute, place } from '../test/fixtures/reslice';
import type { PlacedVolume } from '../test/fixtures/reslice';
import { writeDicomSeries } from '../test/fixtures/writeDicomSeries';

const runs = Number(process.argv[2] ?? 5);
const cache = '.tmp/bench-import';
mkdirSync(cache, { recursive: true });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Writes the series once and keeps it under .tmp, so later runs skip the slow part. */
function series(
  name: string,
  make: () => PlacedVolume,
  options: Parameters<typeof writeDicomSeries>[2],
) {
  const dir = join(cache, name);
  if (!existsSync(join(dir, '.complete'))) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`writing ${name} (once) ...`);
    writeDicomSeries(dir, make(), options);
    execFileSync('touch', [join(dir, '.complete')]);
  }
  return dir;
}

function synthetic(): PlacedVolume {
  const dims: [number, number, number] = [512, 512, 1000];
  const voxels = new Float32Array(dims[0] * dims[1] * dims[2]);
  // A body-like ellipse of soft tissue with a brighter core, air around: CT numbers.
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const r = ((i - 256) / 220) ** 2 + ((j - 256) / 160) ** 2;
        voxels[(k * dims[1] + j) * dims[0] + i] = r < 0.2 ? 300 + (k % 50) : r < 1 ? 40 : -1000;
      }
  return {
    dims,
    voxels,
    affine: [
      [0.7, 0, 0, -179],
      [0, 0.7, 0, -179],
      [0, 0, 0.625, -600],
      [0, 0, 0, 1],
    ],
  };
}

/**
 * The timed child, bundled with esbuild and run by plain Node, as the app ships: under tsx its
 * resident memory would include the TypeScript loader's (about 30 MiB).
 */
const child = join(cache, 'importChild.mjs');
await build({
  entryPoints: ['bench/support/importChild.ts'],
  outfile: child,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});

const library = mkdtempSync(join(tmpdir(), 'bench-library-'));
process.on('exit', () => rmSync(library, { recursive: true, force: true }));

function ours(dir: string) {
  const out = spawnSync(process.execPath, [child, dir, library], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as {
    ms: number;
    rssBefore: number;
    peakRss: number;
    volumeBytes: number;
    dimensions: number[];
    saveMs: number;
    reopenMs: number;
  };
}

function dcm2niix(dir: string): number {
  const out = mkdtempSync(join(tmpdir(), 'bench-dcm2niix-'));
  try {
    const started = performance.now();
    execFileSync('dcm2niix', ['-z', 'n', '-b', 'n', '-o', out, dir], { stdio: 'pipe' });
    return performance.now() - started;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const cases = [
  {
    name: 'ch2better axial MR, 301x370x316, 16-bit',
    dir: series(
      'ch2better-axial',
      () =>
        permute(
          place(readNifti('/usr/share/mricron/templates/ch2better.nii.gz').volume),
          PLANES.axial,
        ),
      {},
    ),
  },
  {
    name: 'synthetic CT, 512x512x1000, signed 16-bit, intercept -1024',
    dir: series('synthetic-ct-1000', synthetic, {
      signed: true,
      modality: 'CT',
      rescale: () => ({ slope: 1, intercept: -1024 }),
    }),
  },
];

for (const { name, dir } of cases) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm')).length;
  // One untimed pass of each, so both read files from the page cache alike.
  ours(dir);
  dcm2niix(dir);
  // Alternated, so that a machine whose load changes during the run slows both alike.
  const mine: ReturnType<typeof ours>[] = [];
  const theirs: number[] = [];
  for (let run = 0; run < runs; run++) {
    mine.push(ours(dir));
    theirs.push(dcm2niix(dir));
  }
  const ourMedian = median(mine.map((r) => r.ms));
  const theirMedian = median(theirs);
  const peak = Math.max(...mine.map((r) => r.peakRss));
  const growth = Math.max(...mine.map((r) => r.peakRss - r.rssBefore));
  const volume = mine[0].volumeBytes;
  console.log(`\n${name}: ${files} files, ${runs} runs each`);
  console.log(
    `  ours     median ${ourMedian.toFixed(0)} ms  (files to a ready Volume, timed inside a fresh Node process)`,
  );
  console.log(
    `  dcm2niix median ${theirMedian.toFixed(0)} ms  (whole process, -z n: files to .nii)`,
  );
  console.log(`  ratio ours/dcm2niix ${(ourMedian / theirMedian).toFixed(2)}`);
  console.log(
    `  library: stored (atomically, fsync) in ${median(mine.map((r) => r.saveMs)).toFixed(0)} ms, reopened in ${median(mine.map((r) => r.reopenMs)).toFixed(0)} ms (medians)`,
  );
  console.log(
    `  memory: volume ${mb(volume)}, our peak RSS ${mb(peak)} (${(peak / volume).toFixed(2)}x the volume, Node itself included), growth during the import ${mb(growth)} (${(growth / volume).toFixed(2)}x)`,
  );
}
