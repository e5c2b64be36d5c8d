import type { ModelCard } from '../../src/nn';

/** The card of a tiny network (ResNet-18 at width 4) that trains in seconds on wasm. */
export function tinyCard(overrides: Partial<ModelCard> = {}): ModelCard {
  return {
    format: 'acs-workstation-model',
    version: 1,
    name: 'tiny (test)',
    architecture: 'resnet18',
    kind: 'acs',
    dilated: false,
    baseWidth: 4,
    decoderChannels: [8, 8, 8, 8],
    depthKernel: 0,
    conversion: { from: 'none', method: 'random' },
    input: { channels: 3, slices: 'repeat' },
    classes: ['background', 'grey matter', 'other brain'],
    inputSpacing: [8, 8, 8],
    intensity: { kind: 'zscore' },
    patchSize: [32, 32, 32],
    trainedOn: [],
    metrics: {},
    weights: 'weights.safetensors',
    ...overrides,
  };
}
