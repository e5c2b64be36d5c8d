import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCard } from '../engine/models/modelCard';
import { modelCardSchema } from '../engine/models/modelCard';

/** Reads every `<dir>/<model>/card.json`; a card that does not parse is an error naming it. */
export async function loadModelCards(dir: string): Promise<ModelCard[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const cards: ModelCard[] = [];
  for (const entry of entries
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name, 'card.json');
    const parsed = modelCardSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success)
      throw new Error(`${path}: not a valid model card (${parsed.error.message})`);
    cards.push(parsed.data);
  }
  return cards;
}
