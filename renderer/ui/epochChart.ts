import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  /** the y scale it is drawn on: 'loss' (its own range, left axis) or 'metric' (0..1, right) */
  scale: 'loss' | 'metric';
}

/**
 * Curves over epochs (uPlot): loss on the left axis, Dice / IoU (0..1) on the right. `set`
 * replaces the data, one array per series, aligned on epochs 1..n.
 */
export class EpochChart {
  private readonly plot: uPlot;

  constructor(
    private readonly host: HTMLElement,
    series: ChartSeries[],
    width = 270,
    height = 150,
  ) {
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: false }, loss: { auto: true }, metric: { range: [0, 1] } },
        axes: [
          {
            stroke: '#9aa4ad',
            grid: { stroke: '#2a3037' },
            size: 24,
            font: '10px sans-serif',
            // whole epochs only
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
          },
          {
            scale: 'loss',
            stroke: '#e5534b',
            size: 34,
            font: '10px sans-serif',
            grid: { stroke: '#2a3037' },
          },
          {
            scale: 'metric',
            side: 1,
            stroke: '#57c45a',
            size: 30,
            font: '10px sans-serif',
            grid: { show: false },
          },
        ],
        series: [
          { label: 'epoch' },
          ...series.map((s) => ({
            label: s.label,
            scale: s.scale,
            stroke: s.color,
            width: 2,
            points: { show: true, size: 5 },
          })),
        ],
      },
      [[], ...series.map(() => [])],
      host,
    );
    host.dataset.epochs = '0';
  }

  set(values: (number | null)[][]): void {
    const epochs = Math.max(0, ...values.map((v) => v.length));
    const x = Array.from({ length: epochs }, (_, n) => n + 1);
    const padded = values.map((v) => Array.from({ length: epochs }, (_, n) => v[n] ?? null));
    this.plot.setData([x, ...padded] as uPlot.AlignedData);
    this.host.dataset.epochs = String(epochs);
  }
}
