import type { CommandParams, CommandResult, ModelSummary } from '../../api/commands';
import { ApiError } from '../../api/errors';
import type { onnxCommandSchemas } from '../../api/onnxCommands';
import { loadOnnxRuntime, type OnnxRuntime } from '../../engine/backends/onnxRuntime';
import { tryGraph } from '../../engine/backends/onnxTrial';
import type { ModelEntry } from '../../engine/models/ModelEntry';
import { exportModelOnnx, importOnnxModel, OnnxModelError } from '../../onnx/onnxModelFiles';
import { errorMessage } from '../../errors/errorMessage';

type Name = keyof typeof onnxCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/** What the handlers need of the workstation. */
export interface OnnxHost {
  model(modelId: string): ModelEntry;
  /** where imported models go (the user's models folder; known once the workstation is open) */
  userModelsDir(): string;
  /** called with the new model's folder once it is written; returns its summary */
  modelAdded(dir: string): Promise<ModelSummary>;
}

let runtime: Promise<OnnxRuntime | undefined> | undefined;

/** ONNX Runtime on one thread, to try an imported graph before it joins the library. */
function trialRuntime(): Promise<OnnxRuntime | undefined> {
  runtime ??= loadOnnxRuntime({ platform: 'none', threads: 1 }).then((r) => r.runtime);
  return runtime;
}

function apiError(error: unknown): never {
  if (error instanceof OnnxModelError) throw new ApiError('invalid_input', error.message);
  const message = errorMessage(error);
  throw new ApiError('io_error', message);
}

export function onnxHandlers(host: OnnxHost): Handlers {
  return {
    exportModelOnnx: async ({ modelId, path, overwrite }) => {
      const model = host.model(modelId);
      if (model.kind !== 'network')
        throw new ApiError('invalid_input', `${model.name} is a fixed test model, not a network`);
      return exportModelOnnx(model.dir, model.card, path, { overwrite }).catch(apiError);
    },

    importOnnxModel: async ({ path, cardPath }) => {
      const ort = await trialRuntime();
      const { dir } = await importOnnxModel(path, host.userModelsDir(), {
        cardPath,
        trial: ort ? (bytes, card) => tryGraph(ort, bytes, card) : undefined,
      }).catch(apiError);
      return host.modelAdded(dir);
    },
  };
}
