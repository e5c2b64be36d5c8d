import { createHash } from 'node:crypto';

/** A UID under 2.25 (ISO/IEC 9834-8: a 128-bit number) derived from `parts`, the same each time. */
function derivedUid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/**
 * The UIDs of the SEG a model makes of a series: the same on every run, so a series processed
 * again (a worker killed after its store, a rerun) yields the same object, which a server keeps
 * once, and a rerun can ask the server whether it holds it already.
 */
export function segUidsFor(
  seriesInstanceUid: string,
  modelFingerprint: string,
): { series: string; instance: string } {
  return {
    series: derivedUid('seg-series', seriesInstanceUid, modelFingerprint),
    instance: derivedUid('seg-instance', seriesInstanceUid, modelFingerprint),
  };
}
