import { mkdir } from 'node:fs/promises';
import type { ModelSummary } from '../../api/commands';
import { ApiError } from '../../api/errors';
import { summarizeCard } from '../../engine/models/cardSummary';
import { loadModelEntries } from '../../engine/models/loadModelEntries';
import type { ModelEntry } from '../../engine/models/ModelEntry';

/** The bundled models, then the user's own (trained or imported here), each folder a model. */
export class ModelRegistry {
  private models: ModelEntry[] = [];

  constructor(
    private readonly bundledDir: string,
    /** where trained and imported models go */
    readonly userDir: string,
  ) {}

  async reload(): Promise<void> {
    await mkdir(this.userDir, { recursive: true });
    this.models = [
      ...(await loadModelEntries(this.bundledDir)),
      ...(await loadModelEntries(this.userDir)),
    ];
  }

  get(modelId: string): ModelEntry {
    const model = this.models.find((m) => m.id === modelId);
    if (!model) {
      const ids = this.models.map((m) => m.id).join(', ') || 'none';
      throw new ApiError('not_found', `no model ${modelId} (models: ${ids})`);
    }
    return model;
  }

  list(): ModelSummary[] {
    return this.models.map((m) => ({
      modelId: m.id,
      name: m.name,
      classes: [...m.classes],
      card: summarizeCard(m),
    }));
  }

  /** Loads the model just written to `dir` (trained, imported) and returns its summary. */
  async added(dir: string, how: string): Promise<ModelSummary> {
    await this.reload();
    const model = this.models.find((m) => m.dir === dir);
    if (!model) throw new Error(`the ${how} model in ${dir} did not load`);
    return { modelId: model.id, name: model.name, classes: [...model.classes] };
  }
}
