import { execFileSync } from 'node:child_process';

/** Runs Debian's Python (which sees python3-nibabel, -torch, ...) and parses the JSON it prints. */
export function runPythonJson<T>(script: string, args: string[] = []): T {
  const out = execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
  return JSON.parse(out) as T;
}
