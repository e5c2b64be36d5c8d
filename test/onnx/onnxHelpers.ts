import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SegmenterConfig } from '../../src/nn/architecture';
import type { ModelCard } from '../../src/nn/modelCard';
import { createPredictor } from '../../src/nn/predictor';
import { type Segmenter } from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { onnxPredictor } from '../../src/engine/backends/onnxPredictor';
import { loadOnnxRuntime, type OnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import { PYTHON } from '../nn/torchReference';
import { tinyCard } from '../helpers/tinyCard';

export const SMALL: Partial<SegmenterConfig> = {
  baseWidth: 8,
  decoderChannels: [16, 8, 8, 8],
  numClasses: 3,
};

let runtime: OnnxRuntime | undefined;

/** The real onnxruntime-node on the CPU, two threads. */
export async function cpuRuntime(): Promise<OnnxRuntime> {
  if (runtime) return runtime;
  const loaded = await loadOnnxRuntime({ platform: 'none', threads: 2 });
  assert.ok(loaded.runtime, `onnxruntime-node did not load: ${JSON.stringify(loaded.attempts)}`);
  runtime = loaded.runtime;
  return runtime;
}

/** Batch norm statistics away from identity, so that folding it into the convs is exercised. */
export function perturbBatchNorm(model: Segmenter, seed = 7): void {
  let s = seed;
  for (const [name, v] of model.params) {
    if (v.rank !== 1 || name.startsWith('head')) continue;
    const value = tf.tidy(() =>
      name.endsWith('running_var')
        ? tf.randomUniform(v.shape, 0.5, 2, 'float32', s++)
        : tf.add(v, tf.randomNormal(v.shape, 0, 0.2, 'float32', s++)),
    );
    v.assign(value);
    value.dispose();
  }
}

export function cardFor(model: Segmenter, slices: 'repeat' | 'neighbours' = 'repeat'): ModelCard {
  const c = model.config;
  return tinyCard({
    name: `test ${c.kind}`,
    architecture: c.architecture,
    kind: c.kind,
    dilated: c.dilated,
    baseWidth: c.baseWidth,
    decoderChannels: c.decoderChannels,
    depthKernel: c.depthKernel,
    conversion: { from: 'none', method: 'none' },
    input: { channels: c.inChannels, slices },
    classes: Array.from({ length: c.numClasses }, (_, i) => (i ? `class ${i}` : 'background')),
    inputSpacing: [1, 1, 1],
    intensity: { kind: 'minmax' },
  });
}

export function randomPatches(count: number, patch: [number, number, number], seed = 11) {
  return tf.tidy(
    () =>
      tf
        .randomUniform([count * patch[0] * patch[1] * patch[2]], 0, 1, 'float32', seed)
        .dataSync() as Float32Array,
  );
}

/** Max abs difference of the probabilities ONNX Runtime and tfjs give for the same patches. */
export async function predictorDiff(
  model: Segmenter,
  graph: Uint8Array,
  patch: [number, number, number],
  count = 2,
  slices: 'repeat' | 'neighbours' = 'repeat',
): Promise<number> {
  const rt = await cpuRuntime();
  const session = await rt.ort.InferenceSession.create(graph, rt.sessionOptions);
  try {
    const input = randomPatches(count, patch);
    const ours = await onnxPredictor(rt, session, cardFor(model, slices)).predict(
      input,
      count,
      patch,
    );
    const theirs = await createPredictor(model, slices).predict(input, count, patch);
    assert.equal(ours.length, theirs.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    return worst;
  } finally {
    await session.release();
  }
}

/** Runs Debian's onnx checker (full check) on every file; returns why it cannot run, or the failures. */
export function checkWithOnnx(files: Map<string, Uint8Array>): {
  skipped?: string;
  failures: string[];
} {
  const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return { skipped: `${PYTHON} cannot import onnx (apt-get install python3-onnx)`, failures: [] };
  const dir = mkdtempSync(join(tmpdir(), 'onnx-check-'));
  try {
    const paths = [...files].map(([name, bytes], i) => {
      const path = join(dir, `${i}.onnx`);
      writeFileSync(path, bytes);
      return [name, path];
    });
    const script = [
      'import json, sys, onnx',
      'out = {}',
      'for name, path in json.loads(sys.argv[1]):',
      '    try:',
      '        onnx.checker.check_model(onnx.load(path), full_check=True)',
      '    except Exception as e:',
      '        out[name] = str(e)[:500]',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync(PYTHON, ['-c', script, JSON.stringify(paths)], { encoding: 'utf8' });
    if (run.status !== 0) return { failures: [`checker crashed: ${run.stderr}`] };
    const failed = JSON.parse(run.stdout) as Record<string, string>;
    return { failures: Object.entries(failed).map(([n, e]) => `${n}: ${e}`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
