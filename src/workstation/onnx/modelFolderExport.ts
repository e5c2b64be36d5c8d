import { ApiError } from '../../api/errors';
import { loadModelEntries } from '../../engine/models/loadModelEntries';
import type { ModelEntry } from '../../engine/models/ModelEntry';
import { exportModelOnnx } from '../../onnx/onnxModelFiles';
import type { ExportedOnnx } from '../../onnx/onnxModelFiles';
import { writeTritonRepository } from '../../triton/writeTritonRepository';
import type { TritonExport, TritonExportOptions } from '../../triton/writeTritonRepository';

/**
 * A network of a model folder, looked up without opening a workstation (`cli export-onnx`):
 * not_found naming the models there, invalid_input for a fixed test model.
 */
async function networkIn(
  modelsDir: string,
  modelId: string,
): Promise<Extract<ModelEntry, { kind: 'network' }>> {
  const entries = await loadModelEntries(modelsDir);
  const entry = entries.find((m) => m.id === modelId);
  if (!entry) {
    const there = entries.map((m) => m.id).join(', ') || 'none';
    throw new ApiError('not_found', `no model "${modelId}" in ${modelsDir} (there: ${there})`);
  }
  if (entry.kind !== 'network')
    throw new ApiError(
      'invalid_input',
      `${entry.id} is a fixed test model, not a network: nothing to export`,
    );
  return entry;
}

/** A model folder's network as .onnx with its card beside it (what exportModelOnnx writes). */
export async function exportFolderModelOnnx(
  modelsDir: string,
  modelId: string,
  target: string,
  options: { overwrite: boolean },
): Promise<ExportedOnnx> {
  const model = await networkIn(modelsDir, modelId);
  return exportModelOnnx(model.dir, model.card, target, options);
}

/** A model folder's network as an NVIDIA Triton model repository entry. */
export async function exportFolderModelTriton(
  modelsDir: string,
  modelId: string,
  repository: string,
  options: TritonExportOptions,
): Promise<TritonExport> {
  const model = await networkIn(modelsDir, modelId);
  return writeTritonRepository(model.dir, model.card, repository, options);
}
