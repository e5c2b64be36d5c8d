import type { BackendStatus } from '../../src/api';

const MAX_REASON = 140;

/**
 * "Engine: onnxruntime-cpu (training, inference). Not loaded: tfjs-node-gpu (why);
 * onnxruntime-cuda (why)", or "Engine: wasm (training: why not ONNX Runtime), onnxruntime-cpu
 * (inference). ..."
 */
export function describeBackend(status: BackendStatus): { line: string; detail: string } {
  const attempts = [...status.attempts, ...(status.inference?.attempts ?? [])];
  const skipped = attempts.filter((attempt) => !attempt.loaded);
  const short = skipped.map((attempt) => `${attempt.name} (${shorten(attempt.reason)})`);
  const trains = status.training?.backend ?? status.backend;
  const infers = status.inference?.backend ?? status.backend;
  // Training on tfjs where ONNX Runtime loaded: say why (the graph failed, a provider failed).
  const why =
    status.training && trains === status.backend && trains !== infers
      ? `: ${shorten(status.training.reason.replace(/^tfjs [^:]*: /, ''))}`
      : '';
  const split =
    infers === trains ? ` (training, inference)` : ` (training${why}), ${infers} (inference)`;
  const line =
    `Engine: ${trains}${split}` + (short.length ? `. Not loaded: ${short.join('; ')}` : '');
  const detail = [
    ...(status.training ? [`training: ${status.training.reason}`] : []),
    ...attempts.map((attempt) => `${attempt.name}: ${attempt.loaded ? 'loaded' : attempt.reason}`),
  ].join('\n');
  return { line, detail };
}

function shorten(reason: string): string {
  const firstLine = reason.split('\n')[0]?.trim() ?? '';
  return firstLine.length > MAX_REASON ? `${firstLine.slice(0, MAX_REASON - 1)}…` : firstLine;
}
