import { tf } from '../tf';
import { taping } from './taping';

const cache = new WeakMap<tf.Tensor, { dataId: object; tensors: tf.Tensor[] }>();

/**
 * Kernels cut from a weight variable (ACS groups, 3D taps), made once per value of the weight
 * while inferring. tfjs-wasm caches XNNPack's packed weights by filter tensor, so a kernel sliced
 * afresh on every call is repacked on every call: twice the time of a deep-layer conv. While a
 * tape records the weight is about to change and the kernels are cut afresh.
 */
export function derivedKernels<T extends tf.Tensor>(w: tf.Tensor, make: () => T[]): T[] {
  if (taping() || !(w instanceof tf.Variable)) return make();
  const hit = cache.get(w);
  if (hit && hit.dataId === w.dataId) return hit.tensors as T[];
  if (hit) tf.dispose(hit.tensors);
  const tensors = tf.tidy(make).map((t) => tf.keep(t));
  cache.set(w, { dataId: w.dataId, tensors });
  return tensors;
}

export function releaseDerivedKernels(w: tf.Tensor): void {
  const hit = cache.get(w);
  if (hit) tf.dispose(hit.tensors);
  cache.delete(w);
}
