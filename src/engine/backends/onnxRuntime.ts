import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as OrtNamespace from 'onnxruntime-node';
import { probeGraph } from '../../onnx/exportSegmenter';
import type { BackendAttempt } from './tfBackends';
import { errorMessage } from '../../errors/errorMessage';

export type Ort = typeof OrtNamespace;

/** Which runtime infers: ONNX Runtime where it loads ('auto'), one of them by force. */
export type InferenceChoice = 'auto' | 'onnx' | 'tfjs';
export const INFERENCE_CHOICES: readonly InferenceChoice[] = ['auto', 'onnx', 'tfjs'];

export function inferenceChoice(value: string | undefined): InferenceChoice {
  if (value === undefined || value === '') return 'auto';
  if ((INFERENCE_CHOICES as readonly string[]).includes(value)) return value as InferenceChoice;
  throw new Error(
    `unknown inference backend "${value}"; expected one of ${INFERENCE_CHOICES.join(', ')}`,
  );
}

/** ONNX Runtime loaded, with the execution provider that worked and the options to use it. */
export interface OnnxRuntime {
  ort: Ort;
  /** e.g. onnxruntime-cpu */
  name: string;
  sessionOptions: OrtNamespace.InferenceSession.SessionOptions;
}

/**
 * GPU execution providers worth trying per platform, best first. CUDA's provider library is not
 * inside the npm package (the package's install script downloads it, which is skipped here), so
 * where it is absent the attempt fails quickly and says so. WebGPU is built into the Linux and
 * macOS packages: it takes any GPU with a Vulkan or Metal driver (AMD, Intel, Apple). Dawn offers
 * no CPU adapter unless asked: with only Mesa's software Vulkan (lavapipe) installed, the probe
 * fails with "Failed to get a WebGPU adapter" in about 0.3 s (measured here), so it never trains
 * on an emulated GPU.
 */
const GPU_PROVIDERS: Record<string, string[]> = {
  linux: ['cuda', 'webgpu'],
  win32: ['cuda', 'dml'],
  darwin: ['coreml', 'webgpu'],
};

/** Provider libraries that the package's install script downloads (not inside the npm package). */
const DOWNLOADED_PROVIDERS: Record<string, Record<string, string>> = {
  linux: { cuda: 'libonnxruntime_providers_cuda.so' },
  win32: { cuda: 'onnxruntime_providers_cuda.dll' },
};

/**
 * Why a provider cannot load without trying it (which makes the runtime log an error), or
 * undefined: its library is not beside the binding, as after an install that skipped the download.
 */
function missingProvider(
  specifier: string,
  platform: string,
  provider: string,
): string | undefined {
  const library = DOWNLOADED_PROVIDERS[platform]?.[provider];
  if (!library) return undefined;
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${specifier}/package.json`));
  } catch {
    return undefined;
  }
  const dir = join(root, 'bin', 'napi-v6', platform, process.arch);
  if (existsSync(join(dir, library))) return undefined;
  return `${library} is not installed (npm skipped its download; see the README to get the GPU binaries)`;
}

function reasonOf(error: unknown): string {
  // ORT's own errors open with the C++ file, function and failed check: keep what they say
  const line = errorMessage(error).split('\n')[0];
  const text = / was false\. (.+)$/.exec(line)?.[1] ?? line;
  if (/Cannot find (package|module)/.test(text)) return `not installed (${text.slice(0, 200)})`;
  return text.slice(0, 300);
}

/** How every session of ours runs: one provider, `threads` intra-op threads, sequential. */
export function sessionOptionsFor(
  provider: string,
  threads: number,
): OrtNamespace.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
}

export interface OnnxLoadOptions {
  /** the module to load (a test points it at one that does not exist) */
  specifier?: string;
  importModule?: (specifier: string) => Promise<unknown>;
  platform?: string;
  threads?: number;
}

/**
 * Loads onnxruntime-node and finds the first execution provider that runs a probe graph: a GPU
 * one where the platform has one, then the CPU with one intra-op thread per core. Every attempt
 * is reported, so the status line can say why inference is not on the GPU or not on ONNX Runtime.
 */
export async function loadOnnxRuntime(
  options: OnnxLoadOptions = {},
): Promise<{ runtime?: OnnxRuntime; attempts: BackendAttempt[] }> {
  const specifier = options.specifier ?? 'onnxruntime-node';
  const importModule = options.importModule ?? ((s: string) => import(s));
  const attempts: BackendAttempt[] = [];
  let ort: Ort;
  try {
    const loaded = (await importModule(specifier)) as Ort & { default?: Ort };
    ort = loaded.InferenceSession ? loaded : (loaded.default as Ort);
    if (!ort?.InferenceSession) throw new Error(`${specifier} has no InferenceSession`);
  } catch (error) {
    attempts.push({ name: 'onnxruntime', loaded: false, reason: reasonOf(error) });
    return { attempts };
  }
  const threads = options.threads ?? availableParallelism();
  const probe = probeGraph();
  const platform = options.platform ?? process.platform;
  const providers = [...(GPU_PROVIDERS[platform] ?? []), 'cpu'];
  for (const provider of providers) {
    const name = `onnxruntime-${provider}`;
    const missing = missingProvider(specifier, platform, provider);
    if (missing) {
      attempts.push({ name, loaded: false, reason: missing });
      continue;
    }
    const sessionOptions = sessionOptionsFor(provider, threads);
    try {
      const session = await ort.InferenceSession.create(probe, sessionOptions);
      const x = new ort.Tensor('float32', Float32Array.from([-1]), [1]);
      const y = (await session.run({ x })).y;
      if (y.data[0] !== 0) throw new Error(`the probe graph gave ${String(y.data[0])}, not 0`);
      await session.release();
      const detail = provider === 'cpu' ? `, ${threads} threads` : '';
      attempts.push({ name, loaded: true, reason: `running on ${name}${detail}` });
      return { runtime: { ort, name, sessionOptions }, attempts };
    } catch (error) {
      attempts.push({ name, loaded: false, reason: reasonOf(error) });
    }
  }
  return { attempts };
}
