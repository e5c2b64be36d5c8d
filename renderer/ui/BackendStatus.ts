import type { BackendStatus } from '../../src/api';

const MAX_REASON = 140;

/** "Engine: wasm. Not loaded: tfjs-node-gpu (why); tfjs-node (why)" */
export function describeBackend(status: BackendStatus): { line: string; detail: string } {
  const skipped = status.attempts.filter((attempt) => !attempt.loaded);
  const short = skipped.map((attempt) => `${attempt.name} (${shorten(attempt.reason)})`);
  const line =
    `Engine: ${status.backend}` + (short.length ? `. Not loaded: ${short.join('; ')}` : '');
  const detail = status.attempts
    .map((attempt) => `${attempt.name}: ${attempt.loaded ? 'loaded' : attempt.reason}`)
    .join('\n');
  return { line, detail };
}

function shorten(reason: string): string {
  const firstLine = reason.split('\n')[0]?.trim() ?? '';
  return firstLine.length > MAX_REASON ? `${firstLine.slice(0, MAX_REASON - 1)}…` : firstLine;
}
