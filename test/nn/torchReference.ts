import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const script = join(dirname(fileURLToPath(import.meta.url)), 'reference', 'torch_reference.py');

/** Why the PyTorch reference cannot run here, or undefined when it can. */
export function torchMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  if (probe.status !== 0)
    return `${PYTHON} cannot import torch and torchvision (apt-get install python3-torch python3-torchvision)`;
  return undefined;
}

/** Runs the reference script into a fresh temporary directory and returns it. */
export function runTorchReference(args: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'nn-torch-'));
  const run = spawnSync(PYTHON, [script, dir, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`torch_reference.py failed:\n${run.stderr}`);
  return dir;
}
