import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configFromCard, ModelCardSchema, type ModelCard } from '../../nn/modelCard';
import { CARD_FILE, ModelCardError, saveWeights } from '../../nn/modelIo';
import { parameterShapes } from '../../nn/architecture';
import type { StateDict } from '../../nn/weights/hostTensor';
import { matchStateDict } from '../../nn/weights/matchStateDict';
import { readSafetensors, writeSafetensors } from '../../nn/weights/readSafetensors';
import { isBuffer } from '../../onnx/training/parameterLayout';
import { legacyAdamState } from './legacyOptimizer';
import type { AdamState } from './Trainer';
import { errorMessage } from '../../errors/errorMessage';

export interface EpochRecord {
  epoch: number;
  loss: number;
  meanDice: number;
  meanIou: number;
  dice: number[];
  iou: number[];
  seconds: number;
}

/** Where a training stands after a completed epoch: enough to go on as if never stopped. */
export interface TrainingState {
  /** epochs completed */
  epoch: number;
  rngState: number;
  bestMeanDice: number;
  history: EpochRecord[];
}

const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'training.json';
const STEP_TENSOR = 'step';
/** PyTorch's names for Adam's moments (`optimizer.state_dict()['state'][i]`). */
const FIRST = 'exp_avg';
const SECOND = 'exp_avg_sq';

/** Adam's state as a file: `<param>.exp_avg`, `<param>.exp_avg_sq` in PyTorch's layout, `step`. */
export function adamFile(adam: AdamState): Uint8Array {
  const dict: StateDict = new Map([
    [STEP_TENSOR, { shape: [1], data: Float32Array.of(adam.step) }],
  ]);
  for (const [name, t] of adam.m) dict.set(`${name}.${FIRST}`, t);
  for (const [name, t] of adam.v) dict.set(`${name}.${SECOND}`, t);
  return writeSafetensors(dict, { format: 'pt', optimizer: 'adam' });
}

export function readAdamFile(dict: StateDict, card: ModelCard, source: string): AdamState {
  const step = dict.get(STEP_TENSOR);
  if (!step) return legacyAdamState(dict, card, source);
  const m: StateDict = new Map();
  const v: StateDict = new Map();
  for (const [key, t] of dict) {
    if (key.endsWith(`.${SECOND}`)) v.set(key.slice(0, -SECOND.length - 1), t);
    else if (key.endsWith(`.${FIRST}`)) m.set(key.slice(0, -FIRST.length - 1), t);
  }
  const trainable = new Map(
    [...parameterShapes(configFromCard(card))].filter(([name]) => !isBuffer(name)),
  );
  for (const moments of [m, v])
    matchStateDict(trainable, moments, {
      required: () => true,
      ignore: () => false,
      source: `${source} (Adam's moments)`,
    });
  return { step: step.data[0], m, v };
}

/**
 * Writes a checkpoint folder whole or not at all: it is written beside the old one, the old one
 * moved aside, the new one renamed in, the old one removed. A crash or a full disk at any point
 * leaves the previous checkpoint readable (as `name` or, mid-swap, `name.old`).
 */
export async function writeCheckpoint(
  root: string,
  name: string,
  weights: StateDict,
  card: ModelCard,
  extra?: { adam: AdamState; state: TrainingState },
): Promise<string> {
  const target = join(root, name);
  const temp = join(root, `.${name}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await saveWeights(temp, weights, card);
    if (extra) {
      await writeFile(join(temp, OPTIMIZER_FILE), adamFile(extra.adam));
      await writeFile(join(temp, STATE_FILE), JSON.stringify(extra.state, null, 2) + '\n');
    }
    const old = `${target}.old`;
    await rm(old, { recursive: true, force: true });
    if (existsSync(target)) await rename(target, old);
    await rename(temp, target);
    await rm(old, { recursive: true, force: true });
    return target;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    const reason = errorMessage(error);
    throw new Error(
      `could not write the ${name} checkpoint in ${root} (the previous one is kept): ${reason}`,
      {
        cause: error,
      },
    );
  }
}

export interface ResumePoint {
  /** the network's weights, PyTorch names and layout */
  weights: StateDict;
  card: ModelCard;
  state: TrainingState;
  adam: AdamState;
}

/** The last complete checkpoint with its training state, or null when there is none. */
export async function readResumePoint(root: string, name: string): Promise<ResumePoint | null> {
  const dir = [join(root, name), join(root, `${name}.old`)].find((d) =>
    existsSync(join(d, STATE_FILE)),
  );
  if (!dir) return null;
  const cardPath = join(dir, CARD_FILE);
  const parsed = ModelCardSchema.safeParse(JSON.parse(await readFile(cardPath, 'utf8')));
  if (!parsed.success) throw new ModelCardError(`${cardPath} is not a valid model card`);
  const card = parsed.data;
  const weightsPath = join(dir, card.weights);
  const weights = readSafetensors(new Uint8Array(await readFile(weightsPath)), weightsPath);
  matchStateDict(parameterShapes(configFromCard(card)), weights, {
    required: () => true,
    ignore: () => false,
    source: weightsPath,
  });
  const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as TrainingState;
  const optimizerPath = join(dir, OPTIMIZER_FILE);
  const adam = readAdamFile(
    readSafetensors(new Uint8Array(await readFile(optimizerPath)), optimizerPath),
    card,
    optimizerPath,
  );
  return { weights, card, state, adam };
}
