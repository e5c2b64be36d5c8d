import { ApiError } from '../../api/errors';
import type { ModelEntry } from '../../engine/models/ModelEntry';
import type { ModelCard } from '../../nn/modelCard';

/** The network card of a model that can be trained; fixed-weight models are refused by name. */
export function networkCard(base: ModelEntry): ModelCard {
  if (base.kind !== 'network')
    throw new ApiError('invalid_input', `${base.name} has fixed weights: it cannot be trained`);
  return base.card;
}
