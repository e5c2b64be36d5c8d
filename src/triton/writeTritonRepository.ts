import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCard } from '../nn/modelCard';
import { cardPathFor, exportModelOnnx, OnnxModelError } from '../onnx/onnxModelFiles';
import { DataType, decodeModel } from '../onnx/schema';
import type { ValueInfo } from '../onnx/schema';
import { tritonConfigText } from './tritonConfig';
import type { TritonConfig, TritonTensor } from './tritonConfig';

/** Triton's names for the ONNX element types a segmenter uses. */
const TRITON_TYPES: Record<number, string> = {
  [DataType.FLOAT]: 'TYPE_FP32',
  [DataType.INT64]: 'TYPE_INT64',
};

export const CARD_FILE = 'model-card.json';

export interface TritonExportOptions {
  /** the model's name in the repository (its folder): lower-case letters, digits, - and _ */
  name: string;
  maxBatchSize: number;
  instances: TritonConfig['instances'];
  overwrite?: boolean;
}

export interface TritonExport {
  modelDir: string;
  configPath: string;
  onnxPath: string;
  cardPath: string;
}

/** A tensor as Triton declares it: the batch dimension (the first, which must be free) left out. */
function tensorOf(info: ValueInfo, batched: boolean): TritonTensor {
  const dims = (info.type?.tensor_type?.shape?.dim ?? []).map((d) =>
    d.dim_value === undefined ? -1 : Number(d.dim_value),
  );
  const type = TRITON_TYPES[info.type?.tensor_type?.elem_type ?? -1];
  if (!type)
    throw new OnnxModelError(`tensor ${info.name} has a type Triton's config cannot name here`);
  if (batched && dims[0] !== -1)
    throw new OnnxModelError(
      `tensor ${info.name} has a fixed batch size (${dims[0]}): use --max-batch 0`,
    );
  return { name: info.name, dataType: type, dims: batched ? dims.slice(1) : dims };
}

/** What a client must do to a volume before Triton sees patches of it: the card in short. */
function clientParameters(card: ModelCard): Record<string, string> {
  return {
    patch_size_dhw: card.patchSize.join(','),
    input_spacing_mm_xyz: card.inputSpacing.join(','),
    intensity: JSON.stringify(card.intensity),
    input_channels: `${card.input.channels} (${card.input.slices === 'repeat' ? 'the slice repeated' : 'neighbouring slices'})`,
    classes: card.classes.join(','),
    kind: card.kind,
    model_card: CARD_FILE,
  };
}

/**
 * Writes a model as a Triton model repository entry: `<repo>/<name>/1/model.onnx`,
 * `<name>/config.pbtxt` (platform onnxruntime_onnx, inputs and outputs read from the graph with
 * their free dimensions, max_batch_size, the instance group) and the model card beside it
 * (`<name>/model-card.json`), whose patch size, spacing, normalisation and classes a client must
 * apply: Triton serves patches, not volumes. The folder appears whole or not at all.
 */
export async function writeTritonRepository(
  modelDir: string,
  card: ModelCard,
  repo: string,
  options: TritonExportOptions,
): Promise<TritonExport> {
  if (!/^[a-z0-9][a-z0-9_-]{0,99}$/.test(options.name))
    throw new OnnxModelError(`"${options.name}" cannot name a Triton model: use a-z, 0-9, - and _`);
  const target = join(repo, options.name);
  if (existsSync(target) && !options.overwrite)
    throw new OnnxModelError(`${target} exists already (overwrite it explicitly)`);
  await mkdir(repo, { recursive: true });
  const partial = join(repo, `.${options.name}.partial-${randomUUID().slice(0, 8)}`);
  try {
    const onnx = join(partial, '1', 'model.onnx');
    await exportModelOnnx(modelDir, card, onnx);
    await rename(cardPathFor(onnx), join(partial, CARD_FILE));
    const graph = decodeModel(new Uint8Array(await readFile(onnx))).graph;
    const initialisers = new Set((graph?.initializer ?? []).map((t) => t.name));
    const batched = options.maxBatchSize > 0;
    const config: TritonConfig = {
      name: options.name,
      maxBatchSize: options.maxBatchSize,
      inputs: (graph?.input ?? [])
        .filter((i) => !initialisers.has(i.name))
        .map((i) => tensorOf(i, batched)),
      outputs: (graph?.output ?? []).map((o) => tensorOf(o, batched)),
      instances: options.instances,
      parameters: clientParameters(card),
    };
    await writeFile(join(partial, 'config.pbtxt'), tritonConfigText(config));
    if (existsSync(target)) await rm(target, { recursive: true, force: true });
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  return {
    modelDir: target,
    configPath: join(target, 'config.pbtxt'),
    onnxPath: join(target, '1', 'model.onnx'),
    cardPath: join(target, CARD_FILE),
  };
}
