import type { BackendStatus } from '../../src/api';

const MAX_REASON = 140;

/**
 * "Engine: wasm (training), onnxruntime-cpu (inference). Not loaded: tfjs-node-gpu (why);
 * onnxruntime-cuda (why)"
 */
export function describeBackend(status: BackendStatus): { line: string; detail: string } {
  const attempts = [...status.attempts, ...(status.inference?.attempts ?? [])];
  const skipped = attempts.filter((attempt) => !attempt.loaded);
  const short = skipped.map((attempt) => `${attempt.name} (${shorten(attempt.reason)})`);
  const inference = status.inference?.backend;
  const split =
    inference && inference !== status.backend ? ` (training), ${inference} (inference)` : '';
  const line =
    `Engine: ${status.backend}${split}` + (short.length ? `. Not loaded: ${short.join('; ')}` : '');
  const detail = attempts
    .map((attempt) => `${attempt.name}: ${attempt.loaded ? 'loaded' : attempt.reason}`)
    .join('\n');
  return { line, detail };
}

function shorten(reason: string): string {
  const firstLine = reason.split('\n')[0]?.trim() ?? '';
  return firstLine.length > MAX_REASON ? `${firstLine.slice(0, MAX_REASON - 1)}…` : firstLine;
}
