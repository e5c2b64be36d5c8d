/**
 * The eraser that removes the active segment only, as 3D Slicer's and OHIF's do: Cornerstone's
 * erase strategy clears every label under the brush, except the segments it is told are locked.
 * Wrapped, it is told that every segment but the active one is locked, for that stroke only.
 */

/** Cornerstone's name for the strategy made here. */
export const ERASE_ACTIVE_STRATEGY = 'ERASE_ACTIVE_INSIDE_CIRCLE';

/** Label values an eraser of `active` leaves alone: every other one, and the locked ones. */
export function protectedSegments(locked: readonly number[], active: number): number[] {
  const kept = new Set(locked);
  for (let value = 1; value < 256; value++) if (value !== active) kept.add(value);
  kept.delete(active);
  return [...kept].sort((a, b) => a - b);
}

/** A Cornerstone brush strategy: a function with its callbacks (cursor, preview, ...) on it. */
export type BrushStrategyFunction = ((
  element: unknown,
  data: unknown,
  ...rest: unknown[]
) => unknown) &
  Record<string, unknown>;

interface OperationData {
  segmentIndex?: number;
  segmentsLocked?: number[];
}

function restrict(data: unknown): unknown {
  if (!data || typeof data !== 'object') return data;
  const operation = data as OperationData;
  if (typeof operation.segmentIndex !== 'number') return data;
  return {
    ...operation,
    segmentsLocked: protectedSegments(operation.segmentsLocked ?? [], operation.segmentIndex),
  };
}

/** The erase strategy, and each of its callbacks, restricted to the active segment. */
export function eraseActiveOnly(erase: BrushStrategyFunction): BrushStrategyFunction {
  const wrapped = function (this: unknown, element: unknown, data: unknown, ...rest: unknown[]) {
    return erase.call(this, element, restrict(data), ...rest);
  } as BrushStrategyFunction;
  for (const [name, callback] of Object.entries(erase)) {
    wrapped[name] =
      typeof callback === 'function'
        ? function (this: unknown, element: unknown, data: unknown, ...rest: unknown[]) {
            return (callback as (...args: unknown[]) => unknown).call(
              this,
              element,
              restrict(data),
              ...rest,
            );
          }
        : callback;
  }
  return wrapped;
}
