// Shared by the infer and train benchmarks: the full-width ACS ResNet-18 segmenter from random
// torchvision weights saved by Debian's PyTorch (the same weights the PyTorch side builds), and
// a way to run bench/support/inferTorch.py.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelCard } from '../../src/nn/modelCard';
import { importTorchvision } from '../../src/nn/importTorchvision';
import { saveModel } from '../../src/nn/modelIo';
import { disposeSegmenter } from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { readPth } from '../../src/nn/weights/readPth';
import { readSafetensors } from '../../src/nn/weights/readSafetensors';

export const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));

/** Runs a bench Python script; its last stdout line is JSON. */
export function python<T>(script: string, args: string[]): T {
  const run = spawnSync(PYTHON, [join(here, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) throw new Error(`${script} failed:\n${run.stderr}`);
  const last = run.stdout.trim().split('\n').at(-1);
  return (last ? JSON.parse(last) : null) as T;
}

export function torchMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  if (probe.status !== 0) return `${PYTHON} cannot import torch and torchvision`;
  return undefined;
}

export function acsCard(patch: number, classes = 3): ModelCard {
  return {
    format: 'acs-workstation-model',
    version: 1,
    name: 'ACS ResNet-18 (bench, random torchvision weights)',
    architecture: 'resnet18',
    kind: 'acs',
    dilated: false,
    baseWidth: 64,
    decoderChannels: [128, 64, 32, 16],
    depthKernel: 0,
    conversion: { from: '2d', method: 'none' },
    input: { channels: 3, slices: 'repeat' },
    classes: Array.from({ length: classes }, (_, n) => (n ? `class ${n}` : 'background')),
    inputSpacing: [1, 1, 1],
    intensity: { kind: 'zscore' },
    patchSize: [patch, patch, patch],
    trainedOn: [],
    metrics: {},
    weights: 'weights.safetensors',
  };
}

/**
 * The torchvision ResNet-18 (random, seeded) and decoder that inferTorch.py builds, converted
 * to ACS and saved as a model folder `<root>/acs-resnet18`; returns the root (a model folder).
 */
export async function acsModelFolder(patch: number, classes = 3): Promise<string> {
  await tf.setBackend('wasm');
  const weightsDir = mkdtempSync(join(tmpdir(), 'bench-weights-'));
  python('inferTorch.py', ['weights', weightsDir, '--classes', String(classes)]);
  const weights = new Map([
    ...readPth(new Uint8Array(readFileSync(join(weightsDir, 'resnet18.pth')))),
    ...readSafetensors(new Uint8Array(readFileSync(join(weightsDir, 'decoder.safetensors')))),
  ]);
  rmSync(weightsDir, { recursive: true, force: true });
  const model = importTorchvision({ kind: 'acs', numClasses: classes }, weights, {
    method: 'centre',
  });
  const root = mkdtempSync(join(tmpdir(), 'bench-models-'));
  await saveModel(join(root, 'acs-resnet18'), model, acsCard(patch, classes));
  disposeSegmenter(model);
  return root;
}
