import { DEFAULT_PATHS } from '../workstation/paths';
/** A command line that does not say what to do: the CLI prints the command's help and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function intOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${value}"`);
  return n;
}

export function patchOption(value: string): [number, number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 1))
    throw new UsageError(`--patch is depth,height,width in voxels, not "${value}"`);
  return parts as [number, number, number];
}

/** `<series-id>/<segmentation-id>` (split at the last slash: series ids may hold none). */
export function libraryRefs(values: string[]): { seriesId: string; segmentationId: string }[] {
  return values.map((v) => {
    const at = v.lastIndexOf('/');
    if (at <= 0 || at === v.length - 1)
      throw new UsageError(`--library-case is <series-id>/<segmentation-id>, not "${v}"`);
    return { seriesId: v.slice(0, at), segmentationId: v.slice(at + 1) };
  });
}

/** The `parseArgs` options `train` and `compare` share: their cases, budget and folders. */
export function caseAndBudgetOptions(defaults: { epochs: string; steps: string }) {
  return {
    image: { type: 'string', multiple: true, default: [] as string[] },
    labels: { type: 'string', multiple: true, default: [] as string[] },
    'library-case': { type: 'string', multiple: true, default: [] as string[] },
    library: { type: 'boolean', default: false },
    epochs: { type: 'string', default: defaults.epochs },
    steps: { type: 'string', default: defaults.steps },
    batch: { type: 'string', default: '2' },
    patch: { type: 'string' },
    'validation-share': { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '1' },
    models: { type: 'string', default: DEFAULT_PATHS.models },
    data: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
}

/** The training budget options `train` and `compare` share. */
export function budgetOptions(values: {
  epochs: string;
  steps: string;
  batch: string;
  seed: string;
  'validation-share': string;
  patch?: string;
}) {
  const share = Number(values['validation-share']);
  if (!(share >= 0 && share <= 0.9)) throw new UsageError('--validation-share is 0 to 0.9');
  return {
    epochs: intOption('epochs', values.epochs, 1),
    stepsPerEpoch: intOption('steps', values.steps, 1),
    batchSize: intOption('batch', values.batch, 1),
    seed: intOption('seed', values.seed, 0),
    validationShare: share,
    ...(values.patch ? { patchSize: patchOption(values.patch) } : {}),
  };
}
