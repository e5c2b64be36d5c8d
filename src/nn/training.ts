import { forward, trainableVariables, type BatchNormMode, type Segmenter } from './segmenter';
import { tf } from './tf';

const DICE_EPS = 1e-5;

/**
 * Cross-entropy plus soft Dice (mean over classes, whole batch), the design's training loss.
 * `labels` holds a class index per voxel, [N, D, H, W].
 */
export function segmentationLoss(logits: tf.Tensor5D, labels: tf.Tensor4D): tf.Scalar {
  const classes = logits.shape[4];
  const flat = tf.reshape(logits, [-1, classes]) as tf.Tensor2D;
  const onehot = tf.oneHot(tf.cast(tf.reshape(labels, [-1]), 'int32') as tf.Tensor1D, classes);
  const logp = tf.logSoftmax(flat);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1)));
  const p = tf.exp(logp);
  const intersection = tf.sum(tf.mul(p, onehot), 0);
  const total = tf.add(tf.sum(p, 0), tf.sum(onehot, 0));
  const dice = tf.mean(tf.div(tf.add(tf.mul(intersection, 2), DICE_EPS), tf.add(total, DICE_EPS)));
  return tf.add(ce, tf.sub(1, dice)) as tf.Scalar;
}

export interface StepOptions {
  /** 'frozen' (running statistics) is the design's choice for batches of one or two. */
  batchNorm?: BatchNormMode;
}

/** The loss and its gradient for every trainable tensor, by PyTorch name (caller disposes). */
export function lossAndGradients(
  model: Segmenter,
  x: tf.Tensor5D,
  labels: tf.Tensor4D,
  options: StepOptions = {},
): { loss: number; grads: Map<string, tf.Tensor> } {
  const vars = trainableVariables(model);
  const { value, grads } = tf.variableGrads(
    () => segmentationLoss(forward(model, x, options.batchNorm ?? 'frozen'), labels),
    vars,
  );
  const loss = value.dataSync()[0];
  value.dispose();
  const byVar = new Map(vars.map((v) => [v.name, v]));
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params) {
    const g = grads[v.name];
    if (g && byVar.has(v.name)) out.set(name, g);
  }
  return { loss, grads: out };
}

export interface TrainerOptions extends StepOptions {
  learningRate?: number;
  /** L2 added to the gradient, as PyTorch's Adam(weight_decay=...) does. */
  weightDecay?: number;
}

/** Adam with the paper's settings (lr 1e-3, betas 0.9/0.999, weight decay 1e-4). */
export function createOptimizer(options: TrainerOptions = {}): tf.Optimizer {
  return tf.train.adam(options.learningRate ?? 1e-3, 0.9, 0.999, 1e-8);
}

/** One optimisation step on a batch; returns the loss before the step. */
export function trainStep(
  model: Segmenter,
  optimizer: tf.Optimizer,
  x: tf.Tensor5D,
  labels: tf.Tensor4D,
  options: TrainerOptions = {},
): number {
  const { loss, grads } = lossAndGradients(model, x, labels, options);
  const decay = options.weightDecay ?? 1e-4;
  tf.tidy(() => {
    const named: Record<string, tf.Tensor> = {};
    for (const [name, g] of grads) {
      const v = model.params.get(name);
      if (v) named[v.name] = decay > 0 ? tf.add(g, tf.mul(v, decay)) : g;
    }
    optimizer.applyGradients(named);
  });
  for (const g of grads.values()) g.dispose();
  return loss;
}
