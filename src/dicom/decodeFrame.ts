import { decodeCompressed } from './codecs';
import type { CompressedEncoding } from './codecs';
import { decodeRle } from './rle';

/** The encodings whose frames are decoded off the main thread. */
export type PooledEncoding = CompressedEncoding | 'rle';

/** One encoded frame and what its decoding must give. */
export interface FrameToDecode {
  encoding: PooledEncoding;
  encoded: Uint8Array;
  bytesPerSample: number;
  /** rows x columns: RLE needs it, the other codecs read it from their stream */
  pixels: number;
}

/** Decodes one frame in the calling thread (the pool's workers, or the fallback). */
export async function decodeFrame(frame: FrameToDecode): Promise<Uint8Array> {
  if (frame.encoding === 'rle') return decodeRle(frame.encoded, frame.pixels, frame.bytesPerSample);
  return decodeCompressed(frame.encoding, frame.encoded, frame.bytesPerSample);
}
