// A worker thread that decodes compressed frames for decodePool.ts: the same codecs as the main
// thread, so a series decodes on every core.
import { parentPort } from 'node:worker_threads';
import { decodeCompressed } from './codecs';
import type { CompressedEncoding } from './codecs';

export interface DecodeRequest {
  id: number;
  encoding: CompressedEncoding;
  encoded: Uint8Array;
  bytesPerSample: number;
}

export type DecodeReply = { id: number; decoded: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (request: DecodeRequest) => {
  decodeCompressed(request.encoding, request.encoded, request.bytesPerSample).then(
    (decoded) =>
      parentPort?.postMessage({ id: request.id, decoded } satisfies DecodeReply, [
        decoded.buffer as ArrayBuffer,
      ]),
    (error: unknown) =>
      parentPort?.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies DecodeReply),
  );
});
