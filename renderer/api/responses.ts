import { z } from 'zod';
import {
  ApiError,
  apiEventSchema,
  commandSchemas,
  type ApiErrorCode,
  type ApiEvent,
  type CommandName,
  type CommandResult,
  type ResponseEnvelope,
} from '../../src/api';

// The page's CSP has no 'unsafe-eval': keep zod from probing `new Function`.
z.config({ jitless: true });

const errorCodes: readonly ApiErrorCode[] = [
  'bad_request',
  'not_found',
  'unauthorized',
  'cancelled',
  'io_error',
  'invalid_input',
  'exists',
  'internal',
];

function toErrorCode(code: unknown): ApiErrorCode {
  return errorCodes.includes(code as ApiErrorCode) ? (code as ApiErrorCode) : 'internal';
}

/**
 * Turns a response envelope into the command's result, or throws an ApiError. Results are checked
 * against the contract, so a core that drifts from it fails loudly here instead of deep in the UI.
 */
export function resultOf<C extends CommandName>(
  command: C,
  envelope: ResponseEnvelope,
): CommandResult<C> {
  if (!envelope.ok) {
    const error = envelope.error as { code?: unknown; message?: unknown } | undefined;
    throw new ApiError(
      toErrorCode(error?.code),
      typeof error?.message === 'string' ? error.message : `${command} failed`,
    );
  }
  const parsed = commandSchemas[command].result.safeParse(envelope.result);
  if (!parsed.success) {
    throw new ApiError('internal', `${command}: the core answered outside the contract`);
  }
  return parsed.data as CommandResult<C>;
}

/** An event from the core, or null when it does not match the contract (it is then ignored). */
export function parseEvent(raw: unknown): ApiEvent | null {
  const parsed = apiEventSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Fans events out to listeners; a throwing listener does not stop the others. */
export class EventHub {
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  add(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApiEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error('event listener failed', error);
      }
    }
  }
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
