import type { ModelCardSummary, ModelSummary } from '../../src/api';
import { byTestId } from './dom';
import type { SegmentControls } from './SegmentControls';

/** The model list of the AI panel: pick a model, see its card, run it on the open series. */
export class ModelPanel {
  private readonly select = byTestId<HTMLSelectElement>('model-select');
  private readonly card = byTestId('model-card');
  private readonly warning = byTestId('model-warning');
  private models: ModelSummary[] = [];
  private volumeId: string | null = null;
  private modality = '';

  constructor(private readonly segment: SegmentControls) {
    this.select.addEventListener('change', () => this.update());
  }

  /** The models, and the open series' volume and modality (checked against each model's card). */
  setModels(models: ModelSummary[], volumeId: string, modality: string): void {
    this.models = models;
    this.volumeId = volumeId;
    this.modality = modality;
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
    this.card.textContent = model ? cardText(model) : 'No model in the library';
    byTestId('segment').title = model ? `Run ${model.name}` : '';
    const mismatch = model ? modalityMismatch(model, this.modality) : '';
    this.warning.textContent = mismatch;
    this.warning.hidden = !mismatch;
    this.segment.setTarget(
      model && this.volumeId ? { volumeId: this.volumeId, modelId: model.modelId } : null,
    );
  }
}

/**
 * In words, why a model may not fit the open series: its card says it was trained on another
 * modality (MR weights see CT's Hounsfield units as nothing they learnt). '' when it fits or the
 * card does not say.
 */
export function modalityMismatch(model: ModelSummary, seriesModality: string): string {
  const trained = model.card?.modality;
  const open = seriesModality.trim().toUpperCase();
  if (!trained || !open || trained.toUpperCase() === open) return '';
  return `${model.name} was trained on ${trained} images; the open series is ${open}. Its result on this series is unlikely to mean anything.`;
}

const formatNumber = (value: number): string =>
  Number.isInteger(value) ? String(value) : value.toFixed(3);

/** The model card as lines of "field: value", in the order a reader weighs them. */
export function cardText(model: ModelSummary): string {
  const lines = [model.name, `id: ${model.modelId}`];
  const card: ModelCardSummary | undefined = model.card;
  if (!card) return [...lines, `classes: ${model.classes.join(', ')}`].join('\n');
  lines.push(
    `kind: ${card.kind} (${card.architecture})`,
    `conversion: ${card.conversion}`,
    `classes: ${card.classes.join(', ')}`,
    `spacing: ${card.inputSpacing ? `${card.inputSpacing.join(' × ')} mm` : 'as acquired'}`,
    `normalisation: ${card.normalisation}`,
    `patch: ${card.patchSize.join(' × ')}`,
  );
  const metrics = Object.entries(card.metrics);
  lines.push(metrics.length === 0 ? 'metrics: none recorded' : 'metrics:');
  for (const [name, value] of metrics) lines.push(`  ${name}: ${formatNumber(value)}`);
  lines.push(
    `modality: ${card.modality ?? 'not recorded'}`,
    `trained on: ${card.trainedOn.length ? `${card.trainedOn.length} case(s): ${card.trainedOn.join(', ')}` : 'no cases recorded'}`,
  );
  return lines.join('\n');
}
