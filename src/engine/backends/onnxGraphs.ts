import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configFromCard, type ModelCard } from '../../nn/modelCard';
import { readSafetensors } from '../../nn/weights/readSafetensors';
import { EXPORTER_VERSION, exportSegmenterOnnx } from '../../onnx/exportSegmenter';
import { isOnnxWeights } from '../../onnx/onnxModelFiles';

export interface ModelGraph {
  /** sha-256 of what the graph is made of: the exporter, the network and its weights */
  hash: string;
  bytes: () => Uint8Array;
}

/**
 * The ONNX graph of a model folder: an imported .onnx as it is, or the card's network exported
 * from its weights. The hash covers the weights' bytes, so a fine-tuned checkpoint (new weights,
 * same folder) gets a new graph, and an unchanged one is not exported twice.
 */
export async function modelGraph(dir: string, card: ModelCard): Promise<ModelGraph> {
  const path = join(dir, card.weights);
  const file = new Uint8Array(await readFile(path));
  const hash = createHash('sha256');
  if (isOnnxWeights(card)) {
    hash.update(file);
    return { hash: hash.digest('hex'), bytes: () => file };
  }
  const config = configFromCard(card);
  hash.update(`exporter ${EXPORTER_VERSION}\n${JSON.stringify(config)}\n`).update(file);
  return {
    hash: hash.digest('hex'),
    bytes: () => exportSegmenterOnnx(config, readSafetensors(file, path), { name: card.name }),
  };
}
