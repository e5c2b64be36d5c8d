import type { RawData, WebSocket } from 'ws';
import type { ServerMessage } from '../api/envelope';
import type { Workstation } from '../workstation/Workstation';
import { dispatchText } from '../workstation/dispatch';

/** A request larger than this is answered with a typed error; the socket stays open. */
export const MAX_REQUEST_BYTES = 1 << 20;
/**
 * A frame larger than this is not even read: ws closes that socket with 1009 (message too big).
 * Between the two limits the client learns why its request was refused.
 */
export const MAX_FRAME_BYTES = 16 << 20;

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, part) => n + part.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function isError(message: ServerMessage): boolean {
  return message.kind === 'response' ? !message.ok : 'error' in message.event;
}

/**
 * Serves the api on one authorised socket. Nothing a client sends can end the host: a frame ws
 * refuses (over MAX_FRAME_BYTES: close 1009; a text frame that is not UTF-8: close 1007) closes
 * that socket alone, and its error is handled here instead of reaching the process.
 */
export function serveApiSocket(
  ws: WebSocket,
  workstation: Workstation,
  scrub: (text: string) => string,
): void {
  const send = (message: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    const text = JSON.stringify(message);
    // errors name no data folder; results keep their paths (an export's file, for one)
    ws.send(isError(message) ? scrub(text) : text);
  };
  const unsubscribe = workstation.onEvent((event) => send({ kind: 'event', event }));
  ws.on('message', (data, isBinary) => {
    const size = byteLength(data);
    if (size > MAX_REQUEST_BYTES) {
      send({
        kind: 'response',
        id: null,
        ok: false,
        error: {
          code: 'bad_request',
          message: `request of ${size} bytes is over the limit of ${MAX_REQUEST_BYTES}`,
        },
      });
      return;
    }
    const text = isBinary ? '' : data.toString();
    void dispatchText(workstation, text).then(send);
  });
  ws.on('error', () => {
    // ws has already closed this socket with the status code of the error (1007, 1009, ...);
    // listening here is what keeps the error from ending the process.
  });
  ws.on('close', unsubscribe);
}
