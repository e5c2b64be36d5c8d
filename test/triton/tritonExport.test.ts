import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';
import { ModelCardSchema } from '../../src/nn/modelCard';
import { writeTritonRepository } from '../../src/triton/writeTritonRepository';
import { runPythonJson } from '../helpers/python';

interface Tensor {
  name: string;
  data_type: string;
  dims: string[];
}
interface ParsedConfig {
  name: string;
  platform: string;
  max_batch_size: number;
  input: Tensor[];
  output: Tensor[];
  instance_group: { count: number; kind: string }[];
  dynamic_batching?: object;
  parameters: Record<string, { string_value: string }>;
}

interface DescriptorMessage {
  name: string;
  field?: { typeName?: string }[];
  nestedType?: DescriptorMessage[];
  options?: { mapEntry?: boolean };
}
interface Descriptor {
  messageType?: DescriptorMessage[];
}

/** config.pbtxt read by protobuf's own text-format parser against Triton's ModelConfig schema. */
function parseConfig(path: string): ParsedConfig {
  const root = new protobuf.Root().loadSync('test/fixtures/triton/model_config.proto', {
    keepCase: true,
  });
  const set = (root as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor(
    'proto3',
  );
  // protobufjs names a map's entry type after the field ("Parameters"); protobuf requires
  // "<Field>Entry" and refuses the schema otherwise
  const files = descriptor.FileDescriptorSet.toObject(set) as { file: Descriptor[] };
  const renameEntries = (message: DescriptorMessage) => {
    for (const nested of message.nestedType ?? []) {
      renameEntries(nested);
      if (!nested.options?.mapEntry) continue;
      const old = nested.name;
      nested.name = `${old}Entry`;
      for (const field of message.field ?? [])
        if (field.typeName === old) field.typeName = nested.name;
    }
  };
  for (const file of files.file)
    for (const message of file.messageType ?? []) renameEntries(message);
  const schema = join(mkdtempSync(join(tmpdir(), 'triton-schema-')), 'model_config.pb');
  writeFileSync(
    schema,
    descriptor.FileDescriptorSet.encode(descriptor.FileDescriptorSet.fromObject(files)).finish(),
  );
  const run = spawnSync('/usr/bin/python3', ['test/fixtures/triton/parse_pbtxt.py', schema, path], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${path} does not parse as a ModelConfig: ${run.stderr}`);
  return JSON.parse(run.stdout) as ParsedConfig;
}

function exportTriton(repo: string, ...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'export-onnx', '--triton', repo, ...args],
    { encoding: 'utf8' },
  );
}

const ELEM_TYPES: Record<number, string> = { 1: 'TYPE_FP32', 7: 'TYPE_INT64' };

for (const [models, model, maxBatch] of [
  ['test/fixtures/onnx-models', 'tiny-acs', 3],
  ['test/fixtures/models', 'tiny-2d', 2],
] as const) {
  test(`export-onnx --triton: ${model} as a Triton model repository that ONNX Runtime runs at every batch size it allows`, async () => {
    const repo = mkdtempSync(join(tmpdir(), 'triton-'));
    const run = exportTriton(
      repo,
      '--models',
      models,
      '--model',
      model,
      '--max-batch',
      String(maxBatch),
      '--instances',
      '2',
    );
    assert.equal(run.status, 0, run.stderr);
    const dir = join(repo, model);
    assert.deepEqual(readdirSync(dir).sort(), ['1', 'config.pbtxt', 'model-card.json']);
    assert.deepEqual(readdirSync(join(dir, '1')), ['model.onnx']);

    const config = parseConfig(join(dir, 'config.pbtxt'));
    assert.equal(config.name, model);
    assert.equal(config.platform, 'onnxruntime_onnx');
    assert.equal(config.max_batch_size, maxBatch);
    assert.deepEqual(config.instance_group, [{ count: 2, kind: 'KIND_GPU' }]);
    assert.ok(config.dynamic_batching);

    // the graph as ONNX's own checker and reader see it
    const onnxPath = join(dir, '1', 'model.onnx');
    const graph = runPythonJson<{ inputs: Tensor[]; outputs: Tensor[] }>(
      `import sys, json, onnx
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
io = lambda vs: [{"name": v.name, "type": v.type.tensor_type.elem_type, "dims": [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]} for v in vs]
inits = {i.name for i in m.graph.initializer}
print(json.dumps({"inputs": io([i for i in m.graph.input if i.name not in inits]), "outputs": io(m.graph.output)}))`,
      [onnxPath],
    );
    const asTriton = (ts: { name: string; type: number; dims: number[] }[]) =>
      ts.map((t) => {
        assert.equal(t.dims[0], -1, `${t.name}: the batch dimension is free`);
        return { name: t.name, data_type: ELEM_TYPES[t.type], dims: t.dims.slice(1).map(String) };
      });
    assert.deepEqual(config.input, asTriton(graph.inputs as never));
    assert.deepEqual(config.output, asTriton(graph.outputs as never));

    // the card beside it: what a client applies, also in the config's parameters
    const card = ModelCardSchema.parse(
      JSON.parse(readFileSync(join(dir, 'model-card.json'), 'utf8')),
    );
    const p = (key: string) => config.parameters[key]?.string_value;
    assert.equal(p('patch_size_dhw'), card.patchSize.join(','));
    assert.equal(p('input_spacing_mm_xyz'), card.inputSpacing.join(','));
    assert.deepEqual(JSON.parse(p('intensity') ?? ''), card.intensity);
    assert.equal(p('classes'), card.classes.join(','));

    // ONNX Runtime at batch 1 and at max_batch_size, on the card's patch
    const session = await ort.InferenceSession.create(onnxPath);
    const [depth, height, width] = card.patchSize;
    for (const batch of [1, maxBatch]) {
      const shape = [batch, card.input.channels, depth, height, width];
      const size = shape.reduce((a, b) => a * b);
      const input = new ort.Tensor(
        'float32',
        Float32Array.from({ length: size }, (_, n) => Math.sin(n)),
        shape,
      );
      const result = await session.run({ [config.input[0].name]: input });
      const output = result[config.output[0].name];
      assert.deepEqual(output.dims, [batch, card.classes.length, depth, height, width]);
      // softmax over the classes: each voxel's probabilities sum to one
      const data = output.data as Float32Array;
      const voxels = depth * height * width;
      for (const v of [0, voxels - 1]) {
        let sum = 0;
        for (let c = 0; c < card.classes.length; c++)
          sum += data[(batch - 1) * card.classes.length * voxels + c * voxels + v];
        assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
      }
    }
    await session.release();
  });
}

test('a Triton export refuses an existing model, a bad name and a bad instance kind', async () => {
  const repo = mkdtempSync(join(tmpdir(), 'triton-bad-'));
  const [entry] = (await loadModelEntries('test/fixtures/models')).filter(
    (m) => m.id === 'tiny-2d',
  );
  assert.ok(entry?.kind === 'network');
  mkdirSync(join(repo, 'tiny-2d'));
  const options = { maxBatchSize: 2, instances: { count: 1, kind: 'KIND_CPU' as const } };
  await assert.rejects(
    writeTritonRepository(entry.dir, entry.card, repo, { ...options, name: 'tiny-2d' }),
    /tiny-2d exists already \(overwrite it explicitly\)/,
  );
  await assert.rejects(
    writeTritonRepository(entry.dir, entry.card, repo, { ...options, name: 'Bad Name' }),
    /"Bad Name" cannot name a Triton model/,
  );
  const kind = exportTriton(
    repo,
    '--models',
    'test/fixtures/models',
    '--model',
    'tiny-2d',
    '--instance-kind',
    'tpu',
  );
  assert.equal(kind.status, 2);
  assert.match(kind.stderr, /--instance-kind is gpu, cpu or auto/);
  assert.deepEqual(readdirSync(repo), ['tiny-2d'], 'nothing half-written');
  assert.deepEqual(readdirSync(join(repo, 'tiny-2d')), [], 'the existing model untouched');
});
