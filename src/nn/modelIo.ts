import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { configFromCard, ModelCardSchema, type ModelCard } from './modelCard';
import { buildSegmenter, exportStateDict, type Segmenter } from './segmenter';
import { readSafetensors, writeSafetensors } from './weights/readSafetensors';

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

/** Writes the card and the weights; each file lands whole (written aside, then renamed). */
export async function saveModel(dir: string, model: Segmenter, card: ModelCard): Promise<void> {
  const config = configFromCard(card);
  const mismatch = (Object.keys(config) as (keyof typeof config)[]).filter(
    (k) => JSON.stringify(config[k]) !== JSON.stringify(model.config[k]),
  );
  if (mismatch.length)
    throw new ModelCardError(
      `the card does not describe this network: ${mismatch.join(', ')} differ`,
    );
  await mkdir(dir, { recursive: true });
  const weights = writeSafetensors(exportStateDict(model), { format: 'pt' });
  const files: [string, Uint8Array | string][] = [
    [card.weights, weights],
    [CARD_FILE, JSON.stringify(ModelCardSchema.parse(card), null, 2) + '\n'],
  ];
  for (const [name, content] of files) {
    const target = join(dir, name);
    await writeFile(`${target}.partial`, content);
    await rename(`${target}.partial`, target);
  }
}
