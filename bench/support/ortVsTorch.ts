// ONNX Runtime (the graph our exporter writes) against PyTorch 1.13 on the CPU, forward pass, one
// thread each side, measured so that the shared machine's load falls on both alike: both processes
// warm up first, then runs alternate (ours, PyTorch, ours, ...) and each run's CPU time (user + sys
// of its process) is the headline; wall time is printed beside it. Both clocks cover the same span:
// from the input tensor in memory to the softmax probabilities, model build outside.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import { sessionOptionsFor } from '../../src/engine/backends/onnxRuntime';
import type { ConvKind } from '../../src/nn/architecture';
import { convertStateDict } from '../../src/nn/convert/convertStateDict';
import { forwardFlops } from '../../src/nn/flops';
import { segmenterConfig } from '../../src/nn/segmenter';
import { readPth } from '../../src/nn/weights/readPth';
import { readSafetensors } from '../../src/nn/weights/readSafetensors';
import { exportSegmenterOnnx } from '../../src/onnx/exportSegmenter';
import { PYTHON } from '../../test/nn/torchReference';

export interface OrtVsTorchOptions {
  size: number;
  classes: number;
  kinds: ConvKind[];
  batches: number[];
  /** Alternated rounds after the warm-up; the median of each side is reported. */
  rounds: number;
  /** Print ONNX Runtime's per-operator profile (its own, separate runs) for each kind at batch 2. */
  profile: boolean;
}

interface Run {
  wall: number;
  cpu: number;
}

const WARM_UP = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** PyTorch's side: bench/support/torchForward.py, one forward per request. */
async function startTorch(dir: string, o: OrtVsTorchOptions) {
  const script = join(import.meta.dirname, 'torchForward.py');
  const child = spawn(
    PYTHON,
    [
      script,
      dir,
      ...['--size', String(o.size), '--classes', String(o.classes), '--threads', '1'],
      ...['--kinds', o.kinds.join(','), '--batches', o.batches.join(',')],
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('torchForward.py ended early (see its error above)');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const hello = await next();
  return {
    version: String(hello.torch),
    threads: Number(hello.threads),
    async run(kind: ConvKind, batch: number): Promise<Run> {
      child.stdin.write(`${kind} ${batch}\n`);
      return (await next()) as unknown as Run;
    },
    close() {
      child.stdin.end();
    },
  };
}

function sessionOptions(profile: boolean, prefix: string): ort.InferenceSession.SessionOptions {
  return {
    ...sessionOptionsFor('cpu', 1),
    ...(profile ? { enableProfiling: true, profileFilePrefix: prefix } : {}),
  };
}

async function ortRun(session: ort.InferenceSession, x: ort.Tensor): Promise<Run> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const out = await session.run({ input: x });
  const used = process.cpuUsage(cpu);
  const result = { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
  for (const t of Object.values(out)) t.dispose();
  return result;
}

/** Kernel time per operator type in ONNX Runtime's profile, runs after the warm-up only. */
function summariseProfile(file: string, skip: number): string[] {
  const events = JSON.parse(readFileSync(file, 'utf8')) as {
    cat?: string;
    name: string;
    ts: number;
    dur: number;
    args?: { op_name?: string };
  }[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const from = runs[skip]?.ts ?? 0;
  const counted = runs.length - skip;
  const byOp = new Map<string, number>();
  for (const e of events)
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= from && e.args?.op_name)
      byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  return [...byOp]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(
      ([op, us]) =>
        `    ${op.padEnd(12)} ${(us / 1000 / counted).toFixed(1).padStart(7)} ms ${((100 * us) / total).toFixed(0).padStart(3)}%`,
    );
}

export async function ortVsTorch(o: OrtVsTorchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ort-torch-'));
  const torch = await startTorch(dir, o);
  try {
    const weights2d = new Map([
      ...readPth(new Uint8Array(readFileSync(join(dir, 'resnet18.pth')))),
      ...readSafetensors(new Uint8Array(readFileSync(join(dir, 'decoder.safetensors')))),
    ]);
    console.log(
      `ONNX Runtime ${ort.env.versions.common} against PyTorch ${torch.version}, forward, ` +
        `one thread each (ORT intraOpNumThreads 1, torch.set_num_threads(${torch.threads})), ` +
        `${o.size}^3, ${o.classes} classes; CPU time (user+sys) of each process, median of ` +
        `${o.rounds} alternated runs after ${WARM_UP} warm-up runs each`,
    );
    for (const kind of o.kinds) {
      const config = segmenterConfig({ kind, numClasses: o.classes });
      const graph = exportSegmenterOnnx(
        config,
        convertStateDict(weights2d, config, { method: 'average' }),
      );
      for (const batch of o.batches) {
        const session = await ort.InferenceSession.create(graph, sessionOptions(false, ''));
        const shape = [batch, config.inChannels, o.size, o.size, o.size];
        const x = new ort.Tensor(
          'float32',
          Float32Array.from({ length: shape.reduce((a, b) => a * b) }, Math.random),
          shape,
        );
        for (let i = 0; i < WARM_UP; i++) {
          await ortRun(session, x);
          await torch.run(kind, batch);
        }
        const ours: Run[] = [];
        const theirs: Run[] = [];
        const loads: number[] = [];
        for (let i = 0; i < o.rounds; i++) {
          ours.push(await ortRun(session, x));
          theirs.push(await torch.run(kind, batch));
          loads.push(loadavg()[0]);
        }
        await session.release();
        const flops = forwardFlops(config, [o.size, o.size, o.size], batch);
        const cpu = [median(ours.map((r) => r.cpu)), median(theirs.map((r) => r.cpu))];
        const wall = [median(ours.map((r) => r.wall)), median(theirs.map((r) => r.wall))];
        const gf = (ms: number) => (flops / ms / 1e6).toFixed(0).padStart(4);
        console.log(
          `${`${kind} b${batch}`.padEnd(7)} cpu ORT ${cpu[0].toFixed(0).padStart(5)} ms (${gf(cpu[0])} GFLOP/s) ` +
            `PyTorch ${cpu[1].toFixed(0).padStart(5)} ms (${gf(cpu[1])} GFLOP/s) ratio ${(cpu[0] / cpu[1]).toFixed(2)}x | ` +
            `wall ORT ${wall[0].toFixed(0).padStart(5)} PyTorch ${wall[1].toFixed(0).padStart(5)} ratio ${(wall[0] / wall[1]).toFixed(2)}x | ` +
            `load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
        );
      }
      if (o.profile) {
        const prefix = join(dir, `profile-${kind}`);
        const session = await ort.InferenceSession.create(graph, sessionOptions(true, prefix));
        const shape = [2, config.inChannels, o.size, o.size, o.size];
        const x = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b)), shape);
        for (let i = 0; i < WARM_UP + 3; i++) await ortRun(session, x);
        session.endProfiling();
        await session.release();
        const name = readdirSync(dir).find((f) => f.startsWith(`profile-${kind}`));
        if (!name) throw new Error(`ONNX Runtime wrote no profile under ${prefix}`);
        const file = join(dir, name);
        console.log(`  ORT profile, ${kind} b2 (kernel wall time a run, by operator):`);
        console.log(summariseProfile(file, WARM_UP).join('\n'));
      }
    }
  } finally {
    torch.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
