// A worker thread that decodes frames for decodePool.ts, one at a time: the pool can then stop
// it mid-frame (a frame over its time budget, a cancelled import) without losing other frames.
import { parentPort } from 'node:worker_threads';
import { decodeFrame } from './decodeFrame';
import type { FrameToDecode } from './decodeFrame';
import { errorMessage } from '../errors/errorMessage';

export type DecodeReply = { decoded: Uint8Array } | { error: string };

parentPort?.on('message', (frame: FrameToDecode) => {
  decodeFrame(frame).then(
    (decoded) =>
      parentPort?.postMessage({ decoded } satisfies DecodeReply, [decoded.buffer as ArrayBuffer]),
    (error: unknown) =>
      parentPort?.postMessage({
        error: errorMessage(error),
      } satisfies DecodeReply),
  );
});
