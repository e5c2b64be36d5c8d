import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCard } from '../../nn/modelCard';
import { loadModel, saveModel } from '../../nn/modelIo';
import type { Segmenter } from '../../nn/segmenter';
import { tf } from '../../nn/tf';
import type { StateDict } from '../../nn/weights/hostTensor';
import { readSafetensors, writeSafetensors } from '../../nn/weights/readSafetensors';

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

/**
 * Writes a checkpoint folder whole or not at all: it is written beside the old one, the old one
 * moved aside, the new one renamed in, the old one removed. A crash or a full disk at any point
 * leaves the previous checkpoint readable (as `name` or, mid-swap, `name.old`).
 */
export async function writeCheckpoint(
  root: string,
  name: string,
  model: Segmenter,
  card: ModelCard,
  extra?: { optimizer: tf.Optimizer; state: TrainingState },
): Promise<string> {
  const target = join(root, name);
  const temp = join(root, `.${name}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await saveModel(temp, model, card);
    if (extra) {
      const weights = await extra.optimizer.getWeights();
      const dict: StateDict = new Map();
      for (const [n, w] of weights.entries()) {
        // Adam's moments are matched to variables by position: keep the order in the names.
        dict.set(`${String(n).padStart(6, '0')}:${w.name}`, {
          shape: w.tensor.shape,
          data: Float32Array.from(await w.tensor.data()),
        });
      }
      await writeFile(join(temp, OPTIMIZER_FILE), writeSafetensors(dict));
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
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `could not write the ${name} checkpoint in ${root} (the previous one is kept): ${reason}`,
      {
        cause: error,
      },
    );
  }
}

export interface ResumePoint {
  model: Segmenter;
  card: ModelCard;
  state: TrainingState;
  /** restores Adam's moments and step count into a fresh optimizer */
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
}

/** The last complete checkpoint with its training state, or null when there is none. */
export async function readResumePoint(root: string, name: string): Promise<ResumePoint | null> {
  const dir = [join(root, name), join(root, `${name}.old`)].find((d) =>
    existsSync(join(d, STATE_FILE)),
  );
  if (!dir) return null;
  const { model, card } = await loadModel(dir);
  const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as TrainingState;
  const dict = readSafetensors(
    new Uint8Array(await readFile(join(dir, OPTIMIZER_FILE))),
    join(dir, OPTIMIZER_FILE),
  );
  return {
    model,
    card,
    state,
    async restoreOptimizer(optimizer) {
      const names = [...dict.keys()].sort();
      await optimizer.setWeights(
        names.map((key) => {
          const t = dict.get(key);
          if (!t) throw new Error(`${dir}: optimizer state ${key} missing`);
          return { name: key.slice(key.indexOf(':') + 1), tensor: tf.tensor(t.data, t.shape) };
        }),
      );
    },
  };
}
