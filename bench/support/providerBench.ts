// For bench/gpu.sh: on every ONNX Runtime execution provider that loads here, the ACS ResNet-18
// segmenter's inference (the exported graph, batch 2) and one training step (the training-step
// graph on the engine's OrtTrainer, batch 2, Adam in the graph), each after a warm-up, median of
// --reps, as one JSON line. Every provider runs in a child process of its own, so one that
// crashes the process (a driver fault) costs only its own figures. Weights are drawn at random
// (no PyTorch needed on the GPU machine); speed does not depend on them.
import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { sessionOptionsFor, type OnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import { OrtTrainer } from '../../src/engine/train/ortTrainer';
import { trainingGraphBuilder } from '../../src/engine/train/trainingGraphBuilder';
import { forwardFlops } from '../../src/nn/flops';
import { configFromCard } from '../../src/nn/modelCard';
import { buildSegmenter, disposeSegmenter, exportStateDict } from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { exportSegmenterOnnx, probeGraph } from '../../src/onnx/exportSegmenter';
import { DEFAULT_OPTIMIZER } from '../../src/onnx/training/TrainingGraphOptions';
import { acsCard } from './inferSetup';
import { errorMessage } from '../../src/errors/errorMessage';

const { values } = parseArgs({
  options: {
    providers: { type: 'string', default: 'cuda,webgpu,cpu' },
    one: { type: 'string' },
    patch: { type: 'string', default: '64' },
    batch: { type: 'string', default: '2' },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const [patch, batch, reps, threads] = [values.patch, values.batch, values.reps, values.threads].map(
  Number,
);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timed(reps: number, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up: kernel choice, arenas, first-call copies
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** One provider's figures, in this process. */
async function measure(provider: string) {
  const runtime: OnnxRuntime = {
    ort,
    name: `onnxruntime-${provider}`,
    sessionOptions: sessionOptionsFor(provider, threads),
  };
  // The probe inference uses: loads, runs, gives the right answer.
  const probe = await ort.InferenceSession.create(probeGraph(), runtime.sessionOptions);
  const y = (await probe.run({ x: new ort.Tensor('float32', Float32Array.of(-1), [1]) })).y;
  if (y.data[0] !== 0) throw new Error(`the probe graph gave ${String(y.data[0])}`);
  await probe.release();

  await tf.setBackend('cpu');
  const card = acsCard(patch);
  const config = configFromCard(card);
  const model = buildSegmenter(config, { seed: 1 });
  const weights = exportStateDict(model);
  disposeSegmenter(model);
  const shape = [batch, card.input.channels, patch, patch, patch];
  const voxels = batch * patch ** 3;
  const gflopForward = forwardFlops(config, [patch, patch, patch], batch) / 1e9;

  const session = await ort.InferenceSession.create(
    exportSegmenterOnnx(config, weights, { name: card.name }),
    runtime.sessionOptions,
  );
  const x = new ort.Tensor('float32', new Float32Array(voxels * 3).fill(0.5), shape);
  const inferMs = await timed(reps, () => session.run({ [session.inputNames[0]]: x }));
  await session.release();

  const trainer = await OrtTrainer.create(
    { weights },
    {
      runtime,
      build: trainingGraphBuilder,
      card,
      patch: [patch, patch, patch],
      batch,
      batchNorm: 'frozen',
      optimizer: DEFAULT_OPTIMIZER,
      learningRate: 1e-3,
    },
  );
  const image = new Float32Array(voxels).map((_, i) => Math.sin(i));
  const labels = new Uint8Array(voxels).map((_, i) => i % 3);
  const stepMs = await timed(reps, () => trainer.step(image, labels, batch));
  await trainer.dispose();
  return {
    loaded: true,
    infer: { ms: +inferMs.toFixed(1), gflops: +(gflopForward / (inferMs / 1000)).toFixed(1) },
    trainStep: {
      ms: +stepMs.toFixed(1),
      gflops: +((3 * gflopForward) / (stepMs / 1000)).toFixed(1),
    },
  };
}

if (values.one) {
  try {
    console.log(JSON.stringify(await measure(values.one)));
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0];
    console.log(JSON.stringify({ loaded: false, reason: reason.slice(0, 300) }));
  }
} else {
  const providers: Record<string, unknown> = {};
  for (const provider of values.providers.split(',')) {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--one',
        provider,
        '--patch',
        String(patch),
        '--batch',
        String(batch),
        '--reps',
        String(reps),
        '--threads',
        String(threads),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    process.stderr.write(child.stderr);
    const last = child.stdout.trim().split('\n').at(-1);
    providers[provider] = last?.startsWith('{')
      ? (JSON.parse(last) as unknown)
      : { loaded: false, reason: `exited with ${child.status ?? child.signal}` };
  }
  const gpu = spawnSync(
    'nvidia-smi',
    ['--query-gpu=name,driver_version', '--format=csv,noheader'],
    {
      encoding: 'utf8',
    },
  );
  console.log(
    JSON.stringify({
      bench: 'gpu',
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      cpu: cpus()[0]?.model,
      cores: availableParallelism(),
      gpu: gpu.status === 0 ? gpu.stdout.trim() : null,
      network: `ACS ResNet-18 segmenter, 3 classes, batch ${batch}, patch ${patch}^3`,
      threads,
      providers,
    }),
  );
}
