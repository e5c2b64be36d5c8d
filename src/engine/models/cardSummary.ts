import type { ModelCardSummary } from '../../api/modelCardSummary';
import type { ModelEntry } from './ModelEntry';

/** The card of a model as the AI panel shows it. */
export function summarizeCard(model: ModelEntry): ModelCardSummary {
  if (model.kind === 'threshold') {
    const card = model.card;
    return {
      kind: 'threshold',
      architecture: card.architecture,
      conversion: 'none',
      classes: [...card.classes],
      inputSpacing: null,
      normalisation: `none (label 1 above ${card.threshold})`,
      patchSize: [...card.patchSize],
      metrics: {},
      trainedOn: [],
      modality: card.modality ?? null,
    };
  }
  const card = model.card;
  const { from, method } = card.conversion;
  const intensity = card.intensity;
  return {
    kind: card.kind,
    architecture: `${card.architecture}${card.dilated ? ' (dilated)' : ''}`,
    conversion: from === 'none' ? 'none' : `${from} → ${card.kind} (${method})`,
    classes: [...card.classes],
    inputSpacing: [...card.inputSpacing],
    normalisation:
      intensity.kind === 'window'
        ? `window [${intensity.min}, ${intensity.max}] to [0, 1]`
        : intensity.kind === 'zscore'
          ? 'z-score (zero mean, unit variance)'
          : 'min–max to [0, 1]',
    patchSize: [...card.patchSize],
    metrics: { ...card.metrics },
    trainedOn: [...card.trainedOn],
    modality: card.modality ?? null,
  };
}
