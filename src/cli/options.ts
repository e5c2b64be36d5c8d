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
