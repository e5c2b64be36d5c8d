import type { z } from 'zod';
import type { CommandName } from '../api/commands';
import { commandSchemas } from '../api/commands';
import type { ResponseEnvelope } from '../api/envelope';
import { requestEnvelopeSchema } from '../api/envelope';
import { ApiError } from '../api/errors';
import { DicomReadError } from '../dicom/DicomReadError';
import { confineParams } from './pathPolicy';
import type { Workstation } from './Workstation';
import { errorMessage } from '../errors/errorMessage';

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DicomReadError) return new ApiError('invalid_input', error.message);
  return new ApiError('internal', errorMessage(error));
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(commandSchemas, name);
}

/**
 * Validates one incoming request and runs it. Never throws: a malformed message, an unknown
 * command, bad params or a failing service all come back as a typed error response.
 */
export async function dispatch(
  workstation: Workstation,
  message: unknown,
): Promise<ResponseEnvelope> {
  const envelope = requestEnvelopeSchema.safeParse(message);
  if (!envelope.success) {
    const id =
      typeof message === 'object' && message !== null && 'id' in message ? message.id : null;
    return {
      kind: 'response',
      id: typeof id === 'number' ? id : null,
      ok: false,
      error: {
        code: 'bad_request',
        message: `malformed request: ${describeIssues(envelope.error)}`,
      },
    };
  }
  const { id, command } = envelope.data;
  if (!isCommand(command)) {
    return {
      kind: 'response',
      id,
      ok: false,
      error: { code: 'bad_request', message: `unknown command "${command}"` },
    };
  }
  const params = commandSchemas[command].params.safeParse(envelope.data.params ?? {});
  if (!params.success) {
    return {
      kind: 'response',
      id,
      ok: false,
      error: {
        code: 'bad_request',
        message: `bad params for ${command}: ${describeIssues(params.error)}`,
      },
    };
  }
  try {
    const handler = workstation.handlers[command] as (p: unknown) => Promise<unknown>;
    // a path from the page reaches a handler only as the workstation's path policy allows it
    const allowed = await confineParams(workstation.paths, command, params.data);
    return { kind: 'response', id, ok: true, result: await handler(allowed) };
  } catch (error) {
    return { kind: 'response', id, ok: false, error: toApiError(error).toPayload() };
  }
}

/** Parses a text frame as JSON first; text that is not JSON is a malformed request too. */
export async function dispatchText(
  workstation: Workstation,
  text: string,
): Promise<ResponseEnvelope> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return {
      kind: 'response',
      id: null,
      ok: false,
      error: { code: 'bad_request', message: 'malformed request: not JSON' },
    };
  }
  return dispatch(workstation, message);
}
