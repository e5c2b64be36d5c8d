import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import type { PixelEncoding } from './transferSyntax';

type WasmCodec = 'jpeg-baseline' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

/**
 * Module overrides that drop the codecs' log lines (OpenJPEG logs every header at INFO level on
 * stdout; a failed decode throws anyway). A new object each time: Emscripten builds the module
 * on the object it is given, so two codecs must never share one.
 */
function quiet() {
  return { print: () => undefined, printErr: () => undefined };
}

/** Each wasm codec is compiled once, on first use, and shared by every later frame. */
const loaded = new Map<WasmCodec, Promise<new () => CornerstoneDecoder>>();

function loadCodec(codec: WasmCodec): Promise<new () => CornerstoneDecoder> {
  let promise = loaded.get(codec);
  if (!promise) {
    promise = (async () => {
      switch (codec) {
        case 'jpeg-baseline':
          return (
            await (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default()
          ).JPEGDecoder;
        case 'jpeg-ls':
          return (await (await import('@cornerstonejs/codec-charls/decodewasmjs')).default(quiet()))
            .JpegLSDecoder;
        case 'jpeg-2000':
          return (
            await (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default(quiet())
          ).J2KDecoder;
        case 'htj2k':
          return (await (await import('@cornerstonejs/codec-openjph/wasmjs')).default(quiet()))
            .HTJ2KDecoder;
      }
    })();
    loaded.set(codec, promise);
  }
  return promise;
}

export interface DecodedFrame {
  /** little-endian sample bytes, copied out of the codec's memory */
  bytes: Uint8Array;
  width: number;
  height: number;
  bitsPerSample: number;
  components: number;
}

async function decodeWasm(codec: WasmCodec, encoded: Uint8Array): Promise<DecodedFrame> {
  const Decoder = await loadCodec(codec);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return {
      // The decoded buffer is a view into wasm memory, reused by the next decode: copy it.
      bytes: new Uint8Array(decoder.getDecodedBuffer()),
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      components: info.componentCount,
    };
  } finally {
    decoder.delete();
  }
}

/**
 * A copy of a JPEG stream with one byte of fill bits (a stuffed 0xFF) before its End Of Image
 * marker. jpeg-lossless-decoder-js 2.1 misreads the last pixel when its code ends right at the
 * marker (a signed CT slice from gdcmconv showed it); the fill keeps the marker out of reach and
 * is ignored once every pixel is decoded. The copy also gives the decoder a buffer of its own.
 */
function withFillBeforeEnd(encoded: Uint8Array): Uint8Array {
  let end = encoded.length;
  while (end >= 2 && !(encoded[end - 2] === 0xff && encoded[end - 1] === 0xd9)) end--;
  if (end < 2) return new Uint8Array(encoded);
  const out = new Uint8Array(end + 2);
  out.set(encoded.subarray(0, end - 2));
  out.set([0xff, 0x00, 0xff, 0xd9], end - 2);
  return out;
}

export type CompressedEncoding = Exclude<
  PixelEncoding,
  'native' | 'native-big-endian' | 'deflate' | 'rle'
>;

/** Decodes one compressed frame with the codec its transfer syntax names. */
export async function decodeCompressed(
  encoding: CompressedEncoding,
  encoded: Uint8Array,
  bytesPerSample: number,
): Promise<Uint8Array> {
  if (encoding === 'jpeg-lossless') {
    const input = withFillBeforeEnd(encoded);
    const out = new JpegLosslessDecoder().decode(
      input.buffer as ArrayBuffer,
      0,
      input.length,
      bytesPerSample,
    );
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  const frame = await decodeWasm(encoding, encoded);
  if (frame.components !== 1) throw new Error(`decoded ${frame.components} components, not 1`);
  return frame.bytes;
}
