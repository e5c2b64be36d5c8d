import type { StateDict } from './hostTensor';

/** A weight file that does not fit the network: every offending tensor, by name. */
export class WeightMismatchError extends Error {
  constructor(
    readonly missing: string[],
    readonly unexpected: string[],
    readonly wrongShape: { name: string; expected: number[]; actual: number[] }[],
    source: string,
  ) {
    const lines = [
      ...missing.map((n) => `  missing: ${n}`),
      ...unexpected.map((n) => `  unexpected: ${n}`),
      ...wrongShape.map(
        (w) =>
          `  wrong shape: ${w.name} is [${w.actual.join(', ')}], the network needs [${w.expected.join(', ')}]`,
      ),
    ];
    super(`${source} does not match the network (${lines.length} problems):\n${lines.join('\n')}`);
    this.name = 'WeightMismatchError';
  }
}

/** Tensors a torchvision checkpoint carries that a segmenter has no use for. */
export function ignorableTorchvisionTensor(name: string): boolean {
  return name.startsWith('fc.') || name.endsWith('.num_batches_tracked');
}

export function matchStateDict(
  expected: Map<string, number[]>,
  given: StateDict,
  options: {
    required: (name: string) => boolean;
    ignore: (name: string) => boolean;
    source: string;
  },
): void {
  const missing = [...expected.keys()].filter((n) => options.required(n) && !given.has(n));
  const unexpected: string[] = [];
  const wrongShape: { name: string; expected: number[]; actual: number[] }[] = [];
  for (const [name, tensor] of given) {
    const shape = expected.get(name);
    if (!shape) {
      if (!options.ignore(name)) unexpected.push(name);
    } else if (
      shape.length !== tensor.shape.length ||
      shape.some((s, i) => s !== tensor.shape[i])
    ) {
      wrongShape.push({ name, expected: shape, actual: tensor.shape });
    }
  }
  if (missing.length || unexpected.length || wrongShape.length) {
    throw new WeightMismatchError(missing, unexpected, wrongShape, options.source);
  }
}
