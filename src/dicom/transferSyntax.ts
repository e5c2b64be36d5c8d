/** How a transfer syntax stores pixel data, which decides the reader's path. */
export type PixelEncoding =
  | 'native'
  | 'native-big-endian'
  | 'deflate'
  | 'rle'
  | 'jpeg-baseline'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg-2000'
  | 'htj2k';

export const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

const ENCODINGS: Record<string, { encoding: PixelEncoding; name: string }> = {
  [IMPLICIT_LITTLE_ENDIAN]: { encoding: 'native', name: 'Implicit VR Little Endian' },
  [EXPLICIT_LITTLE_ENDIAN]: { encoding: 'native', name: 'Explicit VR Little Endian' },
  '1.2.840.10008.1.2.2': { encoding: 'native-big-endian', name: 'Explicit VR Big Endian' },
  '1.2.840.10008.1.2.1.99': { encoding: 'deflate', name: 'Deflated Explicit VR Little Endian' },
  '1.2.840.10008.1.2.5': { encoding: 'rle', name: 'RLE Lossless' },
  '1.2.840.10008.1.2.4.50': { encoding: 'jpeg-baseline', name: 'JPEG Baseline (8-bit)' },
  '1.2.840.10008.1.2.4.57': { encoding: 'jpeg-lossless', name: 'JPEG Lossless' },
  '1.2.840.10008.1.2.4.70': { encoding: 'jpeg-lossless', name: 'JPEG Lossless SV1' },
  '1.2.840.10008.1.2.4.80': { encoding: 'jpeg-ls', name: 'JPEG-LS Lossless' },
  '1.2.840.10008.1.2.4.81': { encoding: 'jpeg-ls', name: 'JPEG-LS Near-Lossless' },
  '1.2.840.10008.1.2.4.90': { encoding: 'jpeg-2000', name: 'JPEG 2000 Lossless' },
  '1.2.840.10008.1.2.4.91': { encoding: 'jpeg-2000', name: 'JPEG 2000' },
  '1.2.840.10008.1.2.4.201': { encoding: 'htj2k', name: 'HTJ2K Lossless' },
  '1.2.840.10008.1.2.4.202': { encoding: 'htj2k', name: 'HTJ2K Lossless RPCL' },
  '1.2.840.10008.1.2.4.203': { encoding: 'htj2k', name: 'HTJ2K' },
};

/** The encoding of a transfer syntax, or undefined when we cannot read it (the caller names it). */
export function pixelEncoding(uid: string): PixelEncoding | undefined {
  return ENCODINGS[uid]?.encoding;
}

export function transferSyntaxName(uid: string): string {
  const known = ENCODINGS[uid]?.name;
  if (known) return `${known} (${uid})`;
  if (uid === '1.2.840.10008.1.2.4.51') return `JPEG Extended 12-bit (${uid})`;
  return uid;
}
