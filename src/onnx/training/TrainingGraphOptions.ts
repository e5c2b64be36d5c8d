import type { BatchNormMode } from '../../nn/segmenter';

/** Adam as PyTorch's `torch.optim.Adam` (L2 added to the gradient) or `AdamW` (decoupled decay). */
export interface OptimizerSettings {
  kind: 'adam' | 'adamw';
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** The paper's settings (../shared/DESIGN.md, "Training"). */
export const DEFAULT_OPTIMIZER: OptimizerSettings = {
  kind: 'adam',
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 1e-4,
};

export interface TrainingGraphOptions {
  /** Patches per step; the graph's shapes are fixed, so a new batch or patch size is a new graph. */
  batch: number;
  /** [depth, height, width] of a patch (depth 1 is allowed for the 2d kind). */
  patch: [number, number, number];
  batchNorm: BatchNormMode;
  optimizer: OptimizerSettings;
  /** Adds the output `gradients` [P] (the loss's gradient, before weight decay): for tests. */
  outputGradients?: boolean;
}

/**
 * The step graph's inputs and outputs, by name. Shapes: image [N, Cin, D, H, W]; target
 * [N, K, D, H, W] one-hot; params, adam_m, adam_v [P]; bn_state [B]; step and learning_rate [1]
 * (step is t of the update being made, 1 for the first).
 */
export const STEP_INPUTS = {
  image: 'image',
  target: 'target',
  params: 'params',
  adamM: 'adam_m',
  adamV: 'adam_v',
  bnState: 'bn_state',
  step: 'step',
  learningRate: 'learning_rate',
} as const;

/** loss [1]; dice [K] (soft Dice per class over the batch); the updated vectors. */
export const STEP_OUTPUTS = {
  loss: 'loss',
  dice: 'dice',
  params: 'params_out',
  adamM: 'adam_m_out',
  adamV: 'adam_v_out',
  bnState: 'bn_state_out',
  gradients: 'gradients',
} as const;
