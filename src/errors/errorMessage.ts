/**
 * What a caught value says: an Error's message, or the thrown value as text (a worker, a codec or
 * a native addon may throw a string or a number).
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
