import { z } from 'zod';
import type { ApiErrorPayload } from './errors';
import type { ApiEvent } from './events';

/** A request as it crosses a transport (WebSocket frame or IPC message). */
export const requestEnvelopeSchema = z
  .object({
    id: z.number().int().nonnegative(),
    command: z.string().min(1).max(100),
    params: z.unknown(),
  })
  .strict();
export type RequestEnvelope = z.infer<typeof requestEnvelopeSchema>;

export type ResponseEnvelope =
  | { kind: 'response'; id: number | null; ok: true; result: unknown }
  | { kind: 'response'; id: number | null; ok: false; error: ApiErrorPayload };

export interface EventEnvelope {
  kind: 'event';
  event: ApiEvent;
}

export type ServerMessage = ResponseEnvelope | EventEnvelope;
