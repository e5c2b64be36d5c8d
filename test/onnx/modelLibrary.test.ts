import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tryGraph } from '../../src/engine/backends/onnxTrial';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';
import type { ModelEntry } from '../../src/engine/models/ModelEntry';
import { predictorFor, type InferenceRuntime } from '../../src/engine/worker/predictors';
import { decodeModel, encodeModel } from '../../src/onnx/schema';
import {
  exportModelOnnx,
  importOnnxModel,
  OnnxModelError,
  type GraphTrial,
} from '../../src/onnx/onnxModelFiles';
import { useWasm } from '../nn/setup';
import { checkWithOnnx, cpuRuntime, randomPatches } from './onnxHelpers';

const FIXTURES = 'test/fixtures/onnx-models';
let work = '';
let tiny: Extract<ModelEntry, { kind: 'network' }>;
let trial: GraphTrial;

before(async () => {
  await useWasm();
  work = mkdtempSync(join(tmpdir(), 'onnx-library-'));
  const [entry] = await loadModelEntries(FIXTURES);
  assert.ok(entry?.kind === 'network');
  tiny = entry;
  const rt = await cpuRuntime();
  trial = (bytes, card) => tryGraph(rt, bytes, card);
});

after(() => rmSync(work, { recursive: true, force: true }));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A real graph with one operator renamed to one no runtime has. */
function withUnknownOp(bytes: Uint8Array): Uint8Array {
  const model = decodeModel(bytes);
  const relu = model.graph.node.find((n) => n.op_type === 'Relu');
  assert.ok(relu);
  relu.op_type = 'NoSuchOp';
  return encodeModel(model);
}

async function runtime(graphFor?: InferenceRuntime['graphFor']): Promise<InferenceRuntime> {
  return { choice: 'auto', onnx: await cpuRuntime(), tfjs: 'wasm', graphFor };
}

async function predictions(model: ModelEntry, rt: InferenceRuntime) {
  const { predictor, backend, fallback } = await predictorFor(tf, model, rt);
  const out = await predictor.predict(randomPatches(1, [32, 32, 32]), 1, [32, 32, 32]);
  return { out, backend, fallback };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

test('a model exported as .onnx with its card imports again and predicts the same', async () => {
  const target = join(work, 'out', 'tiny.onnx');
  const exported = await exportModelOnnx(tiny.dir, tiny.card, target);
  assert.equal(exported.cardPath, join(work, 'out', 'tiny.model.json'));
  const card = JSON.parse(readFileSync(exported.cardPath, 'utf8'));
  assert.equal(card.weights, 'tiny.onnx');
  const meta = decodeModel(readFileSync(target)).metadata_props;
  assert.equal(
    JSON.parse(meta.find((p) => p.key === 'acs-workstation-model')?.value ?? '{}').name,
    tiny.name,
  );
  const { failures, skipped } = checkWithOnnx(
    new Map([['tiny', new Uint8Array(readFileSync(target))]]),
  );
  if (!skipped) assert.deepEqual(failures, []);
  await assert.rejects(exportModelOnnx(tiny.dir, tiny.card, target), /exists already/);

  const models = join(work, 'models');
  const { dir } = await importOnnxModel(target, models, { trial });
  assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'model.onnx']);
  const [imported] = await loadModelEntries(models);
  assert.ok(imported?.kind === 'network' && imported.card.weights === 'model.onnx');

  const ours = await predictions(imported, await runtime());
  const original = await predictions(tiny, { choice: 'tfjs', tfjs: 'wasm' });
  assert.equal(ours.backend, 'onnxruntime-cpu');
  assert.equal(original.backend, 'wasm');
  assert.ok(maxDiff(ours.out, original.out) < 1e-4);
  // Without ONNX Runtime the imported graph cannot run, and the error says why.
  await assert.rejects(
    predictorFor(tf, imported, { choice: 'tfjs', tfjs: 'wasm' }),
    /exists only as an ONNX graph/,
  );
});

test('bad .onnx files: truncated, foreign, not fitting the card, unknown operator, no card', async () => {
  const good = join(work, 'good.onnx');
  await exportModelOnnx(tiny.dir, tiny.card, good, { overwrite: true });
  const bytes = readFileSync(good);
  const card = readFileSync(join(work, 'good.model.json'), 'utf8');
  const models = join(work, 'bad-models');
  mkdirSync(models);
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['truncated', bytes.subarray(0, bytes.length >> 1), card, /not an ONNX model/],
    ['foreign', readFileSync(join(tiny.dir, 'weights.safetensors')), card, /not an ONNX model/],
    [
      'classes',
      bytes,
      card.replace('"foreground"', '"foreground", "other"'),
      /3 classes need \[batch, 3/,
    ],
    ['channels', bytes, card.replace('"channels": 1', '"channels": 3'), /needs \[batch, 3, depth/],
    ['unknown-op', withUnknownOp(bytes), card, /ONNX Runtime cannot run it: .*NoSuchOp/],
  ];
  for (const [name, content, cardText, expected] of cases) {
    const path = join(work, `${name}.onnx`);
    writeFileSync(path, content);
    writeFileSync(join(work, `${name}.model.json`), cardText);
    const before = sha(path);
    await assert.rejects(importOnnxModel(path, models, { trial }), (error: Error) => {
      assert.ok(error instanceof OnnxModelError, `${name}: ${error.message}`);
      assert.match(error.message, expected, name);
      assert.ok(error.message.startsWith(path), `${name}: the message names the file`);
      return true;
    });
    assert.equal(sha(path), before, `${name}: the file was touched`);
  }
  const lonely = join(work, 'lonely.onnx');
  writeFileSync(lonely, bytes);
  await assert.rejects(importOnnxModel(lonely, models, { trial }), /needs its model card/);
  // Nothing was imported, not even a partial folder.
  assert.deepEqual(readdirSync(models), []);
});

test('a graph ONNX Runtime cannot run falls back to tfjs with the reason; forcing onnx fails', async () => {
  const before = sha(join(tiny.dir, 'weights.safetensors'));
  const broken: InferenceRuntime['graphFor'] = async (dir, card) => {
    const bytes = readFileSync(join(work, 'good.onnx'));
    return { hash: `broken-${dir}-${card.name}`, bytes: () => withUnknownOp(bytes) };
  };
  const fell = await predictions(tiny, await runtime(broken));
  assert.equal(fell.backend, 'wasm');
  assert.match(fell.fallback ?? '', /ONNX Runtime could not run Tiny ACS \(test\): .*NoSuchOp/);
  const reference = await predictions(tiny, { choice: 'tfjs', tfjs: 'wasm' });
  assert.ok(maxDiff(fell.out, reference.out) === 0);
  await assert.rejects(
    predictorFor(tf, tiny, { ...(await runtime(broken)), choice: 'onnx' }),
    /NoSuchOp/,
  );
  assert.equal(sha(join(tiny.dir, 'weights.safetensors')), before);
});

test('a fine-tuned checkpoint in the same folder gets a new graph (cached by the weights hash)', async () => {
  const dir = join(work, 'finetuned');
  cpSync(tiny.dir, dir, { recursive: true });
  const entry = { ...tiny, dir };
  const first = await predictions(entry, await runtime());
  // New weights in place: the head's bias moved, as a training step would move it.
  const path = join(dir, 'weights.safetensors');
  const { readSafetensors, writeSafetensors } =
    await import('../../src/nn/weights/readSafetensors');
  const state = readSafetensors(new Uint8Array(readFileSync(path)));
  const bias = state.get('head.bias');
  assert.ok(bias);
  bias.data[1] += 5;
  writeFileSync(path, writeSafetensors(state, { format: 'pt' }));
  const second = await predictions(entry, await runtime());
  assert.equal(second.backend, 'onnxruntime-cpu');
  assert.ok(maxDiff(first.out, second.out) > 0.01, 'the new weights were not used');
});
