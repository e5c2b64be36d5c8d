// `npm run bench -- inferOnnx [--volume path.nii.gz] [--kinds acs,3d] [--patch 64] [--batch 2] [--threads 2]`
// Whole-volume sliding-window inference of a 316-slice 0.5 mm series (mricron's ch2better,
// 301x370x316) with a full-width ResNet-18 segmenter, 3 classes: the engine's own path (inferVolume:
// the same patching and stitching as every backend, ONNX Runtime on the exported graph, CPU,
// --threads intra-op threads) against PyTorch with the same weights, patch grid, Gaussian
// stitching and thread count (bench/inferOnnxTorch.py). Prints wall time, patches/s and peak RSS of
// each process, and the voxel count per label of both (they should agree to within the odd voxel).
// This process loads no TensorFlow.js, so its peak RSS is what ONNX inference costs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { sessionOptionsFor } from '../src/engine/backends/onnxRuntime';
import { inferVolume } from '../src/engine/inference/inferVolume';
import { onnxPredictor } from '../src/engine/backends/onnxPredictor';
import type { ConvKind } from '../src/nn/architecture';
import { convertStateDict } from '../src/nn/convert/convertStateDict';
import { segmenterConfig } from '../src/nn/segmenter';
import type { ModelCard } from '../src/nn/modelCard';
import { readPth } from '../src/nn/weights/readPth';
import { readSafetensors } from '../src/nn/weights/readSafetensors';
import { readNifti } from '../src/nifti/readNifti';
import { exportSegmenterOnnx } from '../src/onnx/exportSegmenter';
import { PYTHON, torchMissing } from '../test/nn/torchReference';

const { values } = parseArgs({
  options: {
    volume: { type: 'string', default: '/usr/share/mricron/templates/ch2better.nii.gz' },
    kinds: { type: 'string', default: 'acs' },
    patch: { type: 'string', default: '64' },
    batch: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    overlap: { type: 'string', default: '0.5' },
  },
});
const patch = Number(values.patch);
const batch = Number(values.batch);
const threads = Number(values.threads);
const overlap = Number(values.overlap);
const classes = 3;

const missing = torchMissing();
if (missing) {
  console.error(`PyTorch reference unavailable: ${missing}`);
  process.exit(2);
}

const nifti = readNifti(values.volume);
const dims = nifti.volume.geometry.dimensions;
console.log(
  `${values.volume}: ${dims.join('x')} voxels at ${nifti.volume.geometry.spacing.join('x')} mm; ` +
    `patch ${patch}^3, overlap ${overlap}, batch ${batch}, ${threads} threads, ${classes} classes`,
);

for (const kind of values.kinds.split(',') as ConvKind[]) {
  const out = mkdtempSync(join(tmpdir(), 'bench-infer-onnx-'));
  try {
    const script = join(import.meta.dirname, 'support', 'inferOnnxTorch.py');
    const torchRun = spawnSync(
      PYTHON,
      [
        script,
        out,
        values.volume,
        '--kind',
        kind,
        '--classes',
        String(classes),
        '--patch',
        String(patch),
      ].concat([
        '--overlap',
        String(overlap),
        '--batch',
        String(batch),
        '--threads',
        String(threads),
      ]),
      { encoding: 'utf8' },
    );
    if (torchRun.status !== 0) throw new Error(`inferOnnxTorch.py failed:\n${torchRun.stderr}`);
    const torch = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
      ms: number;
      patches: number;
      peakRssMiB: number;
      counts: number[];
      torch: string;
    };
    const weights2d = new Map([
      ...readPth(new Uint8Array(readFileSync(join(out, 'resnet18.pth')))),
      ...readSafetensors(new Uint8Array(readFileSync(join(out, 'decoder.safetensors')))),
    ]);
    const config = segmenterConfig({ kind, numClasses: classes });
    const graph = exportSegmenterOnnx(
      config,
      convertStateDict(weights2d, config, { method: 'average' }),
    );
    weights2d.clear();
    const session = await ort.InferenceSession.create(graph, sessionOptionsFor('cpu', threads));
    const card = {
      classes: ['background', 'a', 'b'],
      input: { channels: 3, slices: 'repeat' },
    } as ModelCard;
    const runtime = { ort, name: 'onnxruntime-cpu', sessionOptions: {} };
    const started = performance.now();
    const labels = await inferVolume(nifti.volume, onnxPredictor(runtime, session, card), {
      patchSize: [patch, patch, patch],
      overlap,
      batchSize: batch,
      normalisation: { kind: 'minmax' },
    });
    const ms = performance.now() - started;
    await session.release();
    const counts = new Array<number>(classes).fill(0);
    for (const l of labels) counts[l]++;
    const rss = process.resourceUsage().maxRSS / 1024;
    const line = (who: string, t: number, mib: number, c: number[]) =>
      `  ${who.padEnd(22)} ${(t / 1000).toFixed(1).padStart(6)} s  ${((torch.patches / t) * 1000).toFixed(1).padStart(5)} patches/s  peak RSS ${mib.toFixed(0).padStart(5)} MiB  labels ${c.join(' / ')}`;
    console.log(`\n${kind}: ${torch.patches} patches`);
    console.log(line(`ONNX Runtime ${ort.env.versions.common}`, ms, rss, counts));
    console.log(line(`PyTorch ${torch.torch}`, torch.ms, torch.peakRssMiB, torch.counts));
    console.log(`  ratio ORT / PyTorch ${(ms / torch.ms).toFixed(2)}x`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
