import type { ModelCard as NetworkCard } from '../../nn/modelCard';
import type { ThresholdModelCard } from './thresholdModelCard';

/** A model in a model folder, as the engine runs it; plain data, so it crosses to the worker. */
export type ModelEntry =
  | {
      id: string;
      dir: string;
      kind: 'threshold';
      name: string;
      classes: string[];
      card: ThresholdModelCard;
    }
  | {
      id: string;
      dir: string;
      kind: 'network';
      name: string;
      classes: string[];
      card: NetworkCard;
    };
