import type { DataSet } from 'dicom-parser';
import type { DisplayWindow } from '../volume/displayWindow';

function values(dataSet: DataSet, tag: string): string[] {
  const text = dataSet.string(tag);
  return text === undefined ? [] : text.split('\\').map((v) => v.trim());
}

/**
 * The Window Center/Width pairs of an image (VOI LUT module, or an enhanced frame's Frame VOI
 * LUT item), in order, with their explanations. A pair whose width is not a positive number is
 * left out: a viewer cannot show it.
 */
export function displayWindowsOf(dataSet: DataSet | undefined): DisplayWindow[] {
  if (!dataSet) return [];
  const centers = values(dataSet, 'x00281050');
  const widths = values(dataSet, 'x00281051');
  const explanations = values(dataSet, 'x00281055');
  const windows: DisplayWindow[] = [];
  for (let n = 0; n < Math.min(centers.length, widths.length); n++) {
    const center = Number(centers[n]);
    const width = Number(widths[n]);
    if (centers[n] === '' || !Number.isFinite(center) || !(width > 0)) continue;
    windows.push({ center, width, explanation: explanations[n] ?? '' });
  }
  return windows;
}
