import type * as tfNamespace from '@tensorflow/tfjs';
import { errorMessage } from '../../errors/errorMessage';

/** A backend the engine may run on, best first (../shared/DESIGN.md, "Backends"). */
export interface TfBackendCandidate {
  name: string;
  /** the tfjs backend name it registers */
  backend: string;
  /** the package that provides it; loaded lazily since the native ones are optional */
  module: string | null;
}

export const TF_BACKEND_CANDIDATES: readonly TfBackendCandidate[] = [
  { name: 'tfjs-node-gpu', backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu' },
  { name: 'tfjs-node', backend: 'tensorflow', module: '@tensorflow/tfjs-node' },
  { name: 'wasm', backend: 'wasm', module: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', backend: 'cpu', module: null },
];

export interface BackendAttempt {
  name: string;
  loaded: boolean;
  reason: string;
}

/** Which runtime runs inference (ONNX Runtime or the tfjs backend) and why the others did not. */
export interface InferenceStatus {
  backend: string;
  attempts: BackendAttempt[];
}

/** Which runtime trains (ONNX Runtime's training-step graph or the tfjs backend) and why. */
export interface TrainingStatus {
  backend: string;
  reason: string;
}

/**
 * `backend` is the tfjs backend, which infers and trains unless `inference` or `training` says
 * otherwise; `attempts` are tfjs's.
 */
export interface BackendChoice {
  backend: string;
  attempts: BackendAttempt[];
  inference?: InferenceStatus;
  training?: TrainingStatus;
}

/** A reason a user can read in a status line: "not installed" rather than a resolver's trace. */
function reasonOf(error: unknown): string {
  const text = errorMessage(error).split('\n')[0];
  if (/Cannot find (package|module) '([^']+)'/.test(text)) {
    return 'not installed (its installer downloads libtensorflow, which failed or was skipped)';
  }
  return text.slice(0, 300);
}

/** Names allowed by a comma-separated override (WORKSTATION_TF_BACKENDS), all when unset. */
export function candidatesFor(override: string | undefined): TfBackendCandidate[] {
  if (!override) return [...TF_BACKEND_CANDIDATES];
  const wanted = override.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !TF_BACKEND_CANDIDATES.some((c) => c.name === w));
  if (unknown.length) {
    throw new Error(
      `unknown backend(s) ${unknown.join(', ')}; known: ${TF_BACKEND_CANDIDATES.map((c) => c.name).join(', ')}`,
    );
  }
  return TF_BACKEND_CANDIDATES.filter((c) => wanted.includes(c.name));
}

/**
 * Loads the first candidate that works and says why each better one did not: users with a GPU
 * need to know whether CUDA was found, and everyone else why they run on wasm.
 */
export async function selectBackend(
  tf: typeof tfNamespace,
  candidates: TfBackendCandidate[],
  importModule: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<BackendChoice> {
  const attempts: BackendAttempt[] = [];
  for (const candidate of candidates) {
    try {
      if (candidate.module) await importModule(candidate.module);
      if (!(await tf.setBackend(candidate.backend))) {
        throw new Error(`tf.setBackend('${candidate.backend}') returned false`);
      }
      await tf.ready();
      attempts.push({ name: candidate.name, loaded: true, reason: `running on ${candidate.name}` });
      return { backend: candidate.name, attempts };
    } catch (error) {
      attempts.push({ name: candidate.name, loaded: false, reason: reasonOf(error) });
    }
  }
  const summary = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could be loaded (${summary})`);
}
