import type { SeriesSummary } from '../../src/api';

/** How a series is named on a button: number, description, modality and size. */
export function seriesLabel(series: SeriesSummary): string {
  const number = series.seriesNumber ? `#${series.seriesNumber} ` : '';
  const description = series.seriesDescription || '(no description)';
  return `${number}${description} (${series.modality}, ${series.slices} slices)`;
}
