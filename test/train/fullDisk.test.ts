import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statfsSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { loadOnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import { trainModel } from '../../src/engine/train/trainModel';
import type { TrainingRuntime } from '../../src/engine/train/trainerBackend';
import { trainingGraphBuilder } from '../../src/engine/train/trainingGraphBuilder';
import { buildSegmenter, configFromCard, loadModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card = tinyCard({ name: 'full disk (test)' });

// A real full disk: a small tmpfs (root only; where mounting is not allowed the test says so).
const disk = mkdtempSync(join(tmpdir(), 'full-disk-'));
let mounted = false;
before(async () => {
  await tf.setBackend('wasm');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});
after(() => {
  if (mounted) execFileSync('umount', [disk]);
});

for (const backend of ['tfjs', 'onnx'] as const) {
  test(`a full disk while checkpointing fails the training by name and keeps the last good checkpoint (${backend})`, async (t) => {
    if (!mounted)
      return t.skip('cannot mount a small tmpfs here (needs root): full-disk test skipped');
    const onnx = backend === 'onnx' ? (await loadOnnxRuntime()).runtime : undefined;
    const runtime: TrainingRuntime = {
      choice: backend,
      onnx,
      build: trainingGraphBuilder,
      tfjs: 'wasm',
    };
    await rm(join(disk, 'filler'), { force: true });
    for (const name of await readdir(disk)) await rm(join(disk, name), { recursive: true });
    const train = [colinCase('ch2bet.nii.gz', 8)];
    const trained = new Set<string>();
    await assert.rejects(
      trainModel({
        model: buildSegmenter(configFromCard(card), { seed: 1 }),
        card,
        train,
        validation: train,
        options: { epochs: 3, stepsPerEpoch: 1, batchSize: 1, seed: 1 },
        checkpointDir: disk,
        runtime,
        onProgress: (p) => trained.add(p.backend),
        onEpoch: (record) => {
          // After the first epoch's checkpoints, fill what is left of the disk.
          if (record.epoch === 1) {
            const { bavail, bsize } = statfsSync(disk);
            writeFileSync(join(disk, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 4096)));
          }
        },
      }),
      /could not write the (best|last) checkpoint in .* \(the previous one is kept\): ENOSPC/,
    );
    assert.deepEqual([...trained], [backend === 'onnx' ? 'onnxruntime-cpu' : 'wasm']);
    const last = await loadModel(join(disk, 'last'));
    assert.equal(last.card.metrics.epoch, 1);
    const best = await loadModel(join(disk, 'best'));
    assert.equal(best.card.metrics.epoch, 1);
  });
}
