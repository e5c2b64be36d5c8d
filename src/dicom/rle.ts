/** The segment offsets of an RLE frame header, checked against the frame they point into. */
function segmentBounds(view: DataView, bytesPerPixel: number): Array<[number, number]> {
  const length = view.byteLength;
  if (length < 64)
    throw new Error(`RLE frame of ${length} bytes is shorter than its 64-byte header`);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerPixel) {
    throw new Error(`RLE frame has ${segments} segments where ${bytesPerPixel} were expected`);
  }
  const starts = Array.from({ length: segments }, (_, s) => view.getUint32(4 + 4 * s, true));
  return starts.map((start, s) => {
    const end = s + 1 < segments ? (starts[s + 1] ?? length) : length;
    if (start < 64 || start > length || end < start || end > length) {
      throw new Error(
        `RLE segment ${s + 1} spans bytes ${start} to ${end} of a ${length}-byte frame`,
      );
    }
    return [start, end];
  });
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits
 * segment per byte plane, most significant byte first. Returns the frame as little-endian bytes.
 * Every offset is checked against the frame and every loop ends at its segment's end, so the
 * work is bounded by the input's length and the frame's size, whatever the header says.
 */
export function decodeRle(encoded: Uint8Array, pixels: number, bytesPerPixel: number): Uint8Array {
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const bounds = segmentBounds(view, bytesPerPixel);
  const out = new Uint8Array(pixels * bytesPerPixel);
  for (const [s, [start, end]] of bounds.entries()) {
    // Segment s holds byte (bytesPerPixel - 1 - s) of each little-endian value.
    const plane = bytesPerPixel - 1 - s;
    let n = 0;
    let p = start;
    while (p < end && n < pixels) {
      const header = encoded[p++] ?? 0;
      if (header < 128) {
        const count = Math.min(header + 1, end - p, pixels - n);
        for (let c = 0; c < count; c++) out[n++ * bytesPerPixel + plane] = encoded[p++] ?? 0;
      } else if (header > 128) {
        if (p >= end) break;
        const value = encoded[p++] ?? 0;
        const count = Math.min(257 - header, pixels - n);
        for (let c = 0; c < count; c++) out[n++ * bytesPerPixel + plane] = value;
      }
    }
    if (n < pixels) throw new Error(`RLE segment ${s + 1} ends after ${n} of ${pixels} pixels`);
  }
  return out;
}
