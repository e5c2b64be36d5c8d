import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { configFromCard, ModelCardSchema, type ModelCard } from '../nn/modelCard';
import { readSafetensors } from '../nn/weights/readSafetensors';
import { exportSegmenterOnnx } from './exportSegmenter';
import { decodeModel, DataType, type Model, type ValueInfo } from './schema';

/** A model file the user handed over that cannot be imported or exported, and why. */
export class OnnxModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxModelError';
  }
}

/** A card names either a weights file (safetensors) or an imported ONNX graph. */
export function isOnnxWeights(card: ModelCard): boolean {
  return card.weights.toLowerCase().endsWith('.onnx');
}

/** The card file written beside an exported `name.onnx`: `name.model.json`. */
export function cardPathFor(onnxPath: string): string {
  return join(dirname(onnxPath), `${basename(onnxPath).replace(/\.onnx$/i, '')}.model.json`);
}

async function writeAtomic(path: string, content: Uint8Array | string): Promise<void> {
  const partial = `${path}.partial-${randomUUID().slice(0, 8)}`;
  try {
    await writeFile(partial, content);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

export interface ExportedOnnx {
  onnxPath: string;
  cardPath: string;
  bytes: number;
}

/**
 * Writes a model folder's network as `target` (.onnx) with its card beside it (`.model.json`,
 * naming the .onnx as its weights), so that the pair imports again and other tools (3D Slicer,
 * MONAI Deploy, Triton) open the graph. The card also travels inside the graph's metadata.
 */
export async function exportModelOnnx(
  modelDir: string,
  card: ModelCard,
  target: string,
  options: { overwrite?: boolean } = {},
): Promise<ExportedOnnx> {
  if (!target.toLowerCase().endsWith('.onnx'))
    throw new OnnxModelError(`${target}: the file name must end in .onnx`);
  const cardPath = cardPathFor(target);
  for (const path of [target, cardPath]) {
    if (!options.overwrite && existsSync(path))
      throw new OnnxModelError(`${path} exists already (overwrite it explicitly)`);
  }
  const source = join(modelDir, card.weights);
  const file = new Uint8Array(await readFile(source));
  const graph = isOnnxWeights(card)
    ? file
    : exportSegmenterOnnx(configFromCard(card), readSafetensors(file, source), {
        name: card.name,
        metadata: { 'acs-workstation-model': JSON.stringify(card) },
      });
  const exportedCard: ModelCard = { ...card, weights: basename(target) };
  await mkdir(dirname(target), { recursive: true });
  await writeAtomic(target, graph);
  await writeAtomic(cardPath, JSON.stringify(ModelCardSchema.parse(exportedCard), null, 2) + '\n');
  return { onnxPath: target, cardPath, bytes: graph.length };
}

function dims(info: ValueInfo): (number | string)[] {
  return (info.type?.tensor_type?.shape?.dim ?? []).map((d) => d.dim_value ?? d.dim_param ?? '?');
}

function fits(dim: number | string, want: number): boolean {
  return typeof dim === 'string' || dim === want;
}

/**
 * Why an ONNX file cannot be the segmenter its card describes: not ONNX at all (truncated,
 * another format), or an input / output that does not fit [batch, channels, depth, height,
 * width] -> [batch, classes, depth, height, width]. Undefined when it fits.
 */
export function onnxProblem(bytes: Uint8Array, card: ModelCard): string | undefined {
  let model: Model;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    return `not an ONNX model (truncated, or another format): ${(error as Error).message}`;
  }
  const graph = model.graph;
  if (!graph?.node?.length || !model.opset_import?.length)
    return 'not an ONNX model: it has no graph or no opset (another format, or truncated)';
  const initialisers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initialisers.has(i.name));
  if (inputs.length !== 1)
    return `a segmenter takes one input, this graph takes ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`;
  const input = inputs[0];
  const inDims = dims(input);
  if (input.type?.tensor_type?.elem_type !== DataType.FLOAT)
    return `input ${input.name} is not float32`;
  if (inDims.length !== 5 || !fits(inDims[1], card.input.channels))
    return `input ${input.name} is [${inDims.join(', ')}]; the card needs [batch, ${card.input.channels}, depth, height, width]`;
  const output = graph.output?.[0];
  if (!output) return 'the graph has no output';
  const outDims = dims(output);
  if (outDims.length !== 5 || !fits(outDims[1], card.classes.length))
    return `output ${output.name} is [${outDims.join(', ')}]; the card's ${card.classes.length} classes need [batch, ${card.classes.length}, depth, height, width]`;
  return undefined;
}

/** Reads and checks a card file for an imported graph. */
export async function readCard(path: string): Promise<ModelCard> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new OnnxModelError(
      `${path}: the model card cannot be read (${(error as Error).message})`,
    );
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(card)'}: ${i.message}`,
    );
    throw new OnnxModelError(`${path} is not a valid model card: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Checks a graph by running it: ONNX Runtime loads it and maps a patch to per-class values. */
export type GraphTrial = (bytes: Uint8Array, card: ModelCard) => Promise<void>;

/**
 * Imports `onnxPath` with its card (`cardPath`, default `name.model.json` beside it) into
 * `modelsDir` as a model folder (model.onnx + model.json). Everything is checked first (card,
 * graph structure, and `trial` when ONNX Runtime is there); nothing is written unless all pass,
 * and the folder appears whole (written aside, then renamed).
 */
export async function importOnnxModel(
  onnxPath: string,
  modelsDir: string,
  options: { cardPath?: string; trial?: GraphTrial } = {},
): Promise<{ dir: string; card: ModelCard }> {
  const cardPath = options.cardPath ?? cardPathFor(onnxPath);
  if (!existsSync(cardPath))
    throw new OnnxModelError(
      `${onnxPath} needs its model card (classes, input, intensity, patch size): none at ${cardPath}`,
    );
  const card = await readCard(cardPath);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(onnxPath));
  } catch (error) {
    throw new OnnxModelError(`${onnxPath} cannot be read: ${(error as Error).message}`);
  }
  const problem = onnxProblem(bytes, card);
  if (problem) throw new OnnxModelError(`${onnxPath}: ${problem}`);
  if (options.trial) {
    try {
      await options.trial(bytes, card);
    } catch (error) {
      throw new OnnxModelError(
        `${onnxPath}: ONNX Runtime cannot run it: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  const slug =
    card.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'model';
  const dir = join(modelsDir, `${slug}-${randomUUID().slice(0, 8)}`);
  // Hidden and without a card until renamed: a crash leaves nothing the model list would show.
  const partial = join(modelsDir, `.${basename(dir)}.partial`);
  const imported: ModelCard = { ...card, weights: 'model.onnx' };
  await mkdir(partial, { recursive: true });
  try {
    await writeFile(join(partial, 'model.onnx'), bytes);
    await writeFile(
      join(partial, 'model.json'),
      JSON.stringify(ModelCardSchema.parse(imported), null, 2) + '\n',
    );
    await rename(partial, dir);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  return { dir, card: imported };
}
