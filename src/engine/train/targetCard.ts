import type { ModelCard } from '../../nn/modelCard';

/** What a training makes of its base model: the same network, or another kind converted from 2D. */
export interface CardTarget {
  name: string;
  kind: ModelCard['kind'];
  method: ModelCard['conversion']['method'];
  /** [depth, height, width] of the training patch; default the base's (3D: at least 32 deep) */
  patchSize?: [number, number, number];
}

/** The card of the network to train: the base's, or the base's converted to another kind. */
export function targetCard(base: ModelCard, target: CardTarget): ModelCard {
  const { kind, method, name, patchSize } = target;
  if (kind === base.kind) return { ...base, name, patchSize: patchSize ?? base.patchSize };
  if (base.kind !== '2d') {
    throw new Error(
      `a ${base.kind} model cannot become ${kind}: conversions start from 2D weights`,
    );
  }
  const depth = kind === '2d' ? 1 : Math.max(base.patchSize[1], 32);
  return {
    ...base,
    name,
    kind,
    conversion: { from: method === 'random' ? 'none' : '2d', method },
    patchSize: patchSize ?? [depth, base.patchSize[1], base.patchSize[2]],
  };
}
