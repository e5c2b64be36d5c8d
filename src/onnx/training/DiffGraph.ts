import { GraphBuilder } from '../graphBuilder';

/** A tensor of the graph with its static shape (the training graph's shapes are all fixed). */
export interface Value {
  name: string;
  shape: number[];
}

/** Maps the gradient of an op's output to its inputs' (undefined where one is not wanted). */
export type BackwardRule = (dy: string, wanted: readonly boolean[]) => (string | undefined)[];

interface TapeEntry {
  inputs: Value[];
  output: Value;
  backward: BackwardRule;
}

/**
 * A graph builder that remembers, for every differentiable op it emits, how to send the gradient
 * of the op's output back to its inputs (reverse-mode differentiation written as more ONNX
 * nodes). Each rule lives with its op in rules/; this class only orders them and sums the
 * gradients of values used more than once.
 */
export class DiffGraph {
  readonly g = new GraphBuilder();
  private readonly tape: TapeEntry[] = [];
  private readonly trainable = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** A value whose gradient is wanted (a parameter). */
  markTrainable(v: Value): Value {
    this.trainable.add(v.name);
    return v;
  }

  requiresGrad(v: Value): boolean {
    return this.trainable.has(v.name);
  }

  /** Registers an op's output and its backward rule; the output needs a gradient when an input does. */
  record(inputs: Value[], output: Value, backward: BackwardRule): Value {
    if (inputs.some((v) => this.requiresGrad(v))) {
      this.trainable.add(output.name);
      this.tape.push({ inputs, output, backward });
    }
    return output;
  }

  /**
   * Runs the tape backwards from `from`, whose gradient is `seed`, and returns the gradient of
   * every value in `of` (undefined for one the seed does not reach).
   */
  backward(from: Value, seed: string, of: readonly Value[]): (string | undefined)[] {
    const parts = new Map<string, string[]>([[from.name, [seed]]]);
    const total = (name: string): string | undefined => {
      const list = parts.get(name);
      if (!list?.length) return undefined;
      const sum = list.length === 1 ? list[0] : this.g.node('Sum', list);
      parts.set(name, [sum]);
      return sum;
    };
    for (let i = this.tape.length - 1; i >= 0; i--) {
      const entry = this.tape[i];
      const dy = total(entry.output.name);
      if (!dy) continue;
      const wanted = entry.inputs.map((v) => this.requiresGrad(v));
      const grads = entry.backward(dy, wanted);
      entry.inputs.forEach((v, k) => {
        const g = grads[k];
        if (!wanted[k] || !g) return;
        const list = parts.get(v.name) ?? [];
        list.push(g);
        parts.set(v.name, list);
      });
      // Once consumed, an output's gradient is never needed again: drop it from the map.
      parts.delete(entry.output.name);
    }
    return of.map((v) => total(v.name));
  }

  /** A value computed once per key (a padded copy of an input that several rules read). */
  once(key: string, make: () => string): string {
    return this.cached(`once:${key}`, make);
  }

  /** A float32 constant of shape [values.length] ([1] for a scalar), made once per value list. */
  floats(values: number[]): string {
    return this.cached(`f:${values.join(',')}`, (name) =>
      this.g.constant(name, [values.length], Float32Array.from(values)),
    );
  }

  /** The n x n anti-identity (ones on the anti-diagonal): x times it reverses x's last axis. */
  exchangeMatrix(n: number): string {
    return this.cached(`exchange:${n}`, (name) => {
      const values = new Float32Array(n * n);
      for (let i = 0; i < n; i++) values[i * n + (n - 1 - i)] = 1;
      return this.g.constant(name, [n, n], values);
    });
  }

  /** An int64 constant of shape [values.length], made once per value list. */
  ints(values: number[]): string {
    return this.cached(`i:${values.join(',')}`, (name) => this.g.ints(name, values));
  }

  private cached(key: string, make: (name: string) => string): string {
    let name = this.constants.get(key);
    if (!name) {
      name = make(`const_${this.constants.size}`);
      this.constants.set(key, name);
    }
    return name;
  }
}

/** Product of the dimensions. */
export function volumeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Every axis but the channels (1): what batch norm and a bias reduce over. */
export function nonChannelAxes(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
}
