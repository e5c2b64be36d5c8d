import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configFromCard, ModelCardSchema, type ModelCard } from './modelCard';
import { buildSegmenter, exportStateDict, type Segmenter } from './segmenter';
import type { StateDict } from './weights/hostTensor';
import { readSafetensors, writeSafetensors } from './weights/readSafetensors';
import { writeFileAtomic } from '../files/atomicWrite';

export const CARD_FILE = 'model.json';

export interface LoadedModel {
  card: ModelCard;
  model: Segmenter;
}

/** Thrown when a model directory's card is missing, malformed, or does not match its weights. */
export class ModelCardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCardError';
  }
}

/**
 * Loads a model directory: model.json (the card) and the weights file it names (.safetensors,
 * PyTorch names and layout). Every tensor the card's network needs must be there with its shape.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8'));
  } catch (e) {
    throw new ModelCardError(
      `${join(dir, CARD_FILE)} cannot be read as JSON: ${(e as Error).message}`,
    );
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `  ${i.path.join('.') || '(card)'}: ${i.message}`,
    );
    throw new ModelCardError(
      `${join(dir, CARD_FILE)} is not a valid model card:\n${problems.join('\n')}`,
    );
  }
  const card = parsed.data;
  const weightsPath = join(dir, card.weights);
  const weights = readSafetensors(new Uint8Array(await readFile(weightsPath)), weightsPath);
  const model = buildSegmenter(configFromCard(card), {
    weights,
    source: `${weightsPath} (for the network of ${join(dir, CARD_FILE)}: ${card.architecture} ${card.kind}, ${card.classes.length} classes)`,
  });
  return { card, model };
}

/** Writes the card and the weights of `model`; each file lands whole (saveWeights). */
export async function saveModel(dir: string, model: Segmenter, card: ModelCard): Promise<void> {
  const config = configFromCard(card);
  const mismatch = (Object.keys(config) as (keyof typeof config)[]).filter(
    (k) => JSON.stringify(config[k]) !== JSON.stringify(model.config[k]),
  );
  if (mismatch.length)
    throw new ModelCardError(
      `the card does not describe this network: ${mismatch.join(', ')} differ`,
    );
  await saveWeights(dir, exportStateDict(model), card);
}

/** A model folder as loadModel reads it: the card and the weights it names, each landing whole. */
export async function saveWeights(dir: string, weights: StateDict, card: ModelCard): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, card.weights), writeSafetensors(weights, { format: 'pt' }), true);
  const cardText = JSON.stringify(ModelCardSchema.parse(card), null, 2) + '\n';
  await writeFileAtomic(join(dir, CARD_FILE), cardText, true);
}
