import { tf } from '../tf';

/** Whether a gradient tape is recording (tfjs exposes no public flag). */
export function taping(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * Holds a custom op's inputs for its backward pass: aliases (reshapes share the data, nothing is
 * copied) kept out of the forward's tidy, and their release. tfjs's own save() clones, and a clone
 * on wasm is a copy: a second copy of every conv input and kernel, 2 GB for a ResNet-18 step at
 * 64^3. Held only while a tape records; the backward pass releases them, so it must run for every
 * recorded op (lossAndGradients differentiates every weight).
 */
export function holdForBackward<T extends tf.Tensor[]>(
  tensors: [...T],
): { held: T; release: () => void } {
  if (!taping()) return { held: tensors as T, release: () => undefined };
  const held = tensors.map((t) => tf.keep(tf.reshape(t, t.shape))) as T;
  return { held, release: () => tf.dispose(held) };
}
