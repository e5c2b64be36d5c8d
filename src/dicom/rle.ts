/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits
 * segment per byte plane, most significant byte first. Returns the frame as little-endian bytes.
 */
export function decodeRle(encoded: Uint8Array, pixels: number, bytesPerPixel: number): Uint8Array {
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerPixel) {
    throw new Error(`RLE frame has ${segments} segments where ${bytesPerPixel} were expected`);
  }
  const out = new Uint8Array(pixels * bytesPerPixel);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : encoded.length;
    // Segment s holds byte (bytesPerPixel - 1 - s) of each little-endian value.
    const plane = bytesPerPixel - 1 - s;
    let n = 0;
    let p = start;
    while (p < end && n < pixels) {
      const header = encoded[p++];
      if (header < 128) {
        for (let c = 0; c <= header && n < pixels; c++)
          out[n++ * bytesPerPixel + plane] = encoded[p++];
      } else if (header > 128) {
        const value = encoded[p++];
        for (let c = 0; c < 257 - header && n < pixels; c++)
          out[n++ * bytesPerPixel + plane] = value;
      }
    }
    if (n < pixels) throw new Error(`RLE segment ${s + 1} ends after ${n} of ${pixels} pixels`);
  }
  return out;
}
