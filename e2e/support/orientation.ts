import type { Rgba } from './png';

/** A binary image: 1 where tissue is, row by row; pixel size in mm. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
  /** mm per pixel along x and y */
  spacing: [number, number];
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function boundingBox(mask: Mask): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x]) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) throw new Error('the mask is empty');
  return { x0, y0, x1, y1 };
}

/**
 * Grey pixels brighter than `level`: the image without the coloured crosshair lines and labels.
 */
export function screenMask(image: Rgba, level = 40): Mask {
  const data = new Uint8Array(image.width * image.height);
  for (let i = 0; i < data.length; i++) {
    const r = image.data[i * 4] ?? 0;
    const g = image.data[i * 4 + 1] ?? 0;
    const b = image.data[i * 4 + 2] ?? 0;
    const grey = Math.max(r, g, b) - Math.min(r, g, b) < 12;
    data[i] = grey && (r + g + b) / 3 > level ? 1 : 0;
  }
  return { width: image.width, height: image.height, data, spacing: [1, 1] };
}

export interface Fit {
  /** width/height of the tissue on screen over that of the expected slice, in mm */
  aspectRatio: number;
  /** overlap (intersection over union) with the expected slice as it should be shown */
  iou: number;
  /** the same with the expected slice mirrored left-right and upside down */
  iouMirroredX: number;
  iouMirroredY: number;
}

/**
 * Lays the expected slice over the tissue the screen shows (each scaled to its bounding box) and
 * measures how well they agree as they are and mirrored.
 */
export function fitToScreen(screen: Mask, expected: Mask): Fit {
  const s = boundingBox(screen);
  const e = boundingBox(expected);
  const screenAspect = (s.x1 - s.x0 + 1) / (s.y1 - s.y0 + 1);
  const expectedAspect =
    ((e.x1 - e.x0 + 1) * expected.spacing[0]) / ((e.y1 - e.y0 + 1) * expected.spacing[1]);
  const iou = (mirrorX: boolean, mirrorY: boolean) => {
    let both = 0;
    let either = 0;
    const width = s.x1 - s.x0 + 1;
    const height = s.y1 - s.y0 + 1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const fx = (mirrorX ? width - 1 - x + 0.5 : x + 0.5) / width;
        const fy = (mirrorY ? height - 1 - y + 0.5 : y + 0.5) / height;
        const ex = Math.min(e.x1, e.x0 + Math.floor(fx * (e.x1 - e.x0 + 1)));
        const ey = Math.min(e.y1, e.y0 + Math.floor(fy * (e.y1 - e.y0 + 1)));
        const want = expected.data[ey * expected.width + ex] === 1;
        const got = screen.data[(s.y0 + y) * screen.width + s.x0 + x] === 1;
        if (want && got) both++;
        if (want || got) either++;
      }
    }
    return either ? both / either : 0;
  };
  return {
    aspectRatio: screenAspect / expectedAspect,
    iou: iou(false, false),
    iouMirroredX: iou(true, false),
    iouMirroredY: iou(false, true),
  };
}
