import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { CARD_FILE } from '../../nn/modelIo';
import { ModelCardSchema } from '../../nn/modelCard';
import { thresholdModelCardSchema } from './thresholdModelCard';
import type { ModelEntry } from './ModelEntry';
import { errorMessage } from '../../errors/errorMessage';

/** The skeleton's fixed-weight model keeps its own card file name. */
const THRESHOLD_CARD = 'card.json';

/** The card at `path` as `schema` reads it; a bad file (not JSON, not such a card) is named. */
async function readCard<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`${path}: not readable as JSON (${reason})`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: not a valid model card (${parsed.error.message})`);
  return parsed.data;
}

/**
 * Every model in a folder, one subfolder each: a network (model.json + weights) or the
 * threshold model (card.json). A card that does not parse is an error naming the file.
 */
export async function loadModelEntries(dir: string): Promise<ModelEntry[]> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name));
  const models: ModelEntry[] = [];
  for (const entry of entries) {
    const modelDir = join(dir, entry.name);
    if (existsSync(join(modelDir, CARD_FILE))) {
      const card = await readCard(join(modelDir, CARD_FILE), ModelCardSchema);
      models.push({
        id: entry.name,
        dir: modelDir,
        kind: 'network',
        name: card.name,
        classes: card.classes,
        card,
      });
    } else if (existsSync(join(modelDir, THRESHOLD_CARD))) {
      const card = await readCard(join(modelDir, THRESHOLD_CARD), thresholdModelCardSchema);
      models.push({
        id: entry.name,
        dir: modelDir,
        kind: 'threshold',
        name: card.name,
        classes: [...card.classes],
        card,
      });
    }
  }
  return models;
}
