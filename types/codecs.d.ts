// The Cornerstone3D codec packages and jpeg-lossless-decoder-js ship no type declarations for
// the builds loaded in Node; only what src/dicom/codecs.ts calls is typed here.
interface CornerstoneFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface CornerstoneDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CornerstoneFrameInfo;
  delete(): void;
}

/** Emscripten module overrides: print and printErr receive the codec's log lines. */
interface CornerstoneCodecOptions {
  print?: (line: string) => void;
  printErr?: (line: string) => void;
}

type CornerstoneCodecFactory<Name extends string> = (
  options?: CornerstoneCodecOptions,
) => Promise<Record<Name, new () => CornerstoneDecoder>>;

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: CornerstoneCodecFactory<'JPEGDecoder'>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: CornerstoneCodecFactory<'JpegLSDecoder'>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: CornerstoneCodecFactory<'J2KDecoder'>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: CornerstoneCodecFactory<'HTJ2KDecoder'>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array;
  }
}
