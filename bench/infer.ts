// `npm run bench -- infer [--sizes 256x256x256,512x512x1069] [--patch 64] [--backend <name>]
//   [--threads N] [--no-torch] [--orientation axial|sagittal|coronal]`
// Whole-volume inference of the full-width ACS ResNet-18 segmenter (random torchvision weights
// saved by Debian's PyTorch, converted to ACS) through the Engine (worker, sliding window, slab
// sink), against the same pipeline written in PyTorch on CPU (bench/support/inferTorch.py: same weights,
// patch, overlap 0.5, Gaussian weights, batch 2, same thread count) in the same run. Prints wall
// time, peak RSS (sampled every 20 ms in this process, which holds the engine's worker thread;
// PyTorch: its process's maximum RSS), the ratios, and how many voxels the two labelmaps agree on.
// --orientation stores the same voxels as a sagittal or coronal series (the engine re-indexes it to
// its canonical axial order before the network); the time to the first patch shows that cost.
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine, type EngineOptions } from '../src/engine/Engine';
import { loadModelEntries } from '../src/engine/models/loadModelEntries';
import { CancelledError } from '../src/engine/inference/CancelledError';
import type { VolumeGeometry } from '../src/volume/geometry';
import { acsModelFolder, python, torchMissing } from './support/inferSetup';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256x256x256' },
    patch: { type: 'string', default: '64' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'max-seconds': { type: 'string' },
    orientation: { type: 'string', default: 'axial' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- infer [options]

  --sizes <WxHxD,...>  volumes (columns x rows x slices), default 256x256x256; the issue's large
                       CT is 512x512x1069 (long on two cores)
  --patch <n>          cubic patch (default 64)
  --backend <name>     the engine's inference backend (passed to the Engine as it is, e.g. onnx,
                       tfjs, auto); default: the engine's own choice
  --threads <n>        PyTorch's threads (default: 1 for tfjs, all cores for other backends)
  --no-torch           the engine only
  --max-seconds <s>    stop the engine's run after this long (cancel) and report its patch
                       rate, the projected total and the peak RSS so far; PyTorch is then
                       skipped (for the 512x512x1069 volume on a small machine)
  --orientation <o>    axial (default), sagittal or coronal: the plane the series is stored in
                       (the same voxels, other direction cosines); PyTorch needs axial`);
  process.exit(0);
}
const patch = Number(values.patch);
const sizes = values.sizes
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number, number]);
if (sizes.some((s) => s.length !== 3 || s.some((n) => !Number.isInteger(n) || n < 1))) {
  console.error(`--sizes is WxHxD[,WxHxD...], not ${values.sizes}`);
  process.exit(2);
}
const backend = values.backend;
const threads = Number(
  values.threads ?? (!backend || backend === 'tfjs' ? 1 : availableParallelism()),
);
/** Row, column and slice-normal directions (LPS) of a series stored in each plane. */
const DIRECTIONS: Record<string, VolumeGeometry['direction']> = {
  axial: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  sagittal: [0, 1, 0, 0, 0, -1, -1, 0, 0],
  coronal: [1, 0, 0, 0, 0, -1, 0, 1, 0],
};
const direction = DIRECTIONS[values.orientation];
if (!direction) {
  console.error(`--orientation is axial, sagittal or coronal, not ${values.orientation}`);
  process.exit(2);
}
const withTorch = !values['no-torch'];
if (withTorch && values.orientation !== 'axial') {
  console.error(
    `PyTorch's pipeline reads axial volumes only: add --no-torch for ${values.orientation}`,
  );
  process.exit(2);
}
if (withTorch && torchMissing()) {
  console.error(`PyTorch unavailable: ${torchMissing()}`);
  process.exit(2);
}

if (backend) process.env.WORKSTATION_INFERENCE_BACKEND = backend;
// The inference backend option is passed through as given (the engine names its choices).
const options = { backends: process.env.WORKSTATION_TF_BACKENDS, inference: backend };
const engine = await Engine.start(options as EngineOptions);
console.log(`engine: ${JSON.stringify(engine.backend)}`);
const root = await acsModelFolder(patch);
const [model] = await loadModelEntries(root);

/** A head-sized phantom: nested ellipsoids of different intensity and a little noise. */
function phantom([w, h, d]: [number, number, number]): Int16Array {
  const out = new Int16Array(w * h * d);
  let seed = 12345;
  for (let z = 0, n = 0; z < d; z++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++, n++) {
        const r =
          ((x - w / 2) / (w * 0.4)) ** 2 +
          ((y - h / 2) / (h * 0.45)) ** 2 +
          ((z - d / 2) / (d * 0.45)) ** 2;
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        out[n] = (r < 0.5 ? 900 : r < 1 ? 400 : -1000) + ((seed >> 16) % 40);
      }
  return out;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const rows: string[] = [];
for (const [w, h, d] of sizes) {
  const voxels = phantom([w, h, d]);
  const geometry: VolumeGeometry = {
    dimensions: [w, h, d],
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    direction,
  };
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let lastReport = 0;
  let patches = { done: 0, total: 0 };
  let firstPatch = 0;
  let firstPatchCpu = 0;
  const cpuStart = process.cpuUsage();
  const cpuSeconds = () => {
    const { user, system } = process.cpuUsage(cpuStart);
    return (user + system) / 1e6;
  };
  const job = engine.infer(`bench-${w}x${h}x${d}`, model, { geometry, voxels }, (done, total) => {
    patches = { done, total };
    if (!firstPatch) {
      firstPatch = (performance.now() - started) / 1000;
      firstPatchCpu = cpuSeconds();
    }
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(`  engine ${w}x${h}x${d}: ${done}/${total} patches`);
    }
  });
  const stop = values['max-seconds']
    ? setTimeout(() => job.cancel(), Number(values['max-seconds']) * 1000)
    : undefined;
  const outcome = await job.result.then(
    (labels) => ({ labels }),
    (error: unknown) => {
      if (error instanceof CancelledError) return { labels: null };
      throw error;
    },
  );
  clearTimeout(stop);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds();
  clearInterval(sampler);
  // CPU time of this process (the engine's worker included): less at the mercy of other load.
  const firstPatchSays = `first patch after ${firstPatch.toFixed(2)} s (CPU ${firstPatchCpu.toFixed(2)} s)`;
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!outcome.labels) {
    const projected = (seconds / Math.max(1, patches.done)) * patches.total;
    console.log(
      `engine  ${w}x${h}x${d} ${values.orientation}: ${firstPatchSays}; stopped after ${seconds.toFixed(1)} s at ${patches.done}/${patches.total} patches (${(seconds / Math.max(1, patches.done)).toFixed(2)} s/patch, CPU ${((cpu - firstPatchCpu) / Math.max(1, patches.done - 1)).toFixed(2)} s/patch after the first, projected ${(projected / 60).toFixed(0)} min for the volume); peak RSS ${mb(peak)} (${mb(before)} before the job)`,
    );
    rows.push(
      `| ${w}x${h}x${d} | stopped at ${patches.done}/${patches.total} patches after ${seconds.toFixed(0)} s (projected ${(projected / 60).toFixed(0)} min) | ${mb(peak)} |`,
    );
    continue;
  }
  const labels = outcome.labels;
  console.log(
    `engine  ${w}x${h}x${d} ${values.orientation}: ${seconds.toFixed(1)} s (CPU ${cpu.toFixed(1)} s; ${firstPatchSays}), peak RSS ${mb(peak)} (${mb(before)} before the job)`,
  );
  let line = `| ${w}x${h}x${d} | ${seconds.toFixed(1)} s | ${mb(peak)} |`;
  if (withTorch) {
    const dir = join(tmpdir(), `bench-infer-${process.pid}`);
    const volumePath = `${dir}.bin`;
    const labelsPath = `${dir}.labels`;
    writeFileSync(volumePath, voxels);
    const torch = python<{ seconds: number; peakRss: number; threads: number; torch: string }>(
      'inferTorch.py',
      [
        'run',
        dir,
        '--volume',
        volumePath,
        '--dims',
        `${d},${h},${w}`,
        '--patch',
        String(patch),
        '--batch',
        '2',
        '--threads',
        String(threads),
        '--labels-out',
        labelsPath,
      ],
    );
    const theirs = new Uint8Array(readFileSync(labelsPath));
    let same = 0;
    for (let n = 0; n < labels.length; n++) if (labels[n] === theirs[n]) same++;
    rmSync(volumePath, { force: true });
    rmSync(labelsPath, { force: true });
    const agree = (100 * same) / labels.length;
    console.log(
      `PyTorch ${w}x${h}x${d}: ${torch.seconds.toFixed(1)} s, peak RSS ${mb(torch.peakRss)} (torch ${torch.torch}, ${torch.threads} thread(s)); engine/PyTorch time ${(seconds / torch.seconds).toFixed(2)}x, labels agree on ${agree.toFixed(3)}% of voxels`,
    );
    line += ` ${torch.seconds.toFixed(1)} s | ${mb(torch.peakRss)} | ${(seconds / torch.seconds).toFixed(2)}x | ${agree.toFixed(2)}% |`;
  }
  rows.push(line);
}
console.log(
  `\n| volume | engine | engine peak RSS |${withTorch ? ' PyTorch | PyTorch peak RSS | ratio | labels agree |' : ''}`,
);
console.log(`|---|---|---|${withTorch ? '---|---|---|---|' : ''}`);
for (const row of rows) console.log(row);
await engine.close();
rmSync(root, { recursive: true, force: true });
