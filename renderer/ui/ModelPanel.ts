import type { ModelSummary } from '../../src/api';
import { byTestId } from './dom';
import type { SegmentControls } from './SegmentControls';

/** The model list of the AI panel: pick a model, see its card, run it on the open series. */
export class ModelPanel {
  private readonly select = byTestId<HTMLSelectElement>('model-select');
  private readonly card = byTestId('model-card');
  private models: ModelSummary[] = [];
  private volumeId: string | null = null;

  constructor(private readonly segment: SegmentControls) {
    this.select.addEventListener('change', () => this.update());
  }

  setModels(models: ModelSummary[], volumeId: string): void {
    this.models = models;
    this.volumeId = volumeId;
    this.select.replaceChildren(
      ...models.map((model) => {
        const option = document.createElement('option');
        option.value = model.modelId;
        option.textContent = model.name;
        return option;
      }),
    );
    this.update();
  }

  get selected(): ModelSummary | null {
    return this.models.find((m) => m.modelId === this.select.value) ?? null;
  }

  private update(): void {
    const model = this.selected;
    this.card.textContent = model
      ? `${model.name}\nid: ${model.modelId}\nclasses: ${model.classes.join(', ')}`
      : 'No model in the library';
    byTestId('segment').title = model ? `Run ${model.name}` : '';
    this.segment.setTarget(
      model && this.volumeId ? { volumeId: this.volumeId, modelId: model.modelId } : null,
    );
  }
}
