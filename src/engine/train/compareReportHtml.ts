import type { CompareReport } from './compareConversions';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#17becf'];

function escape(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

/** Validation mean IoU per epoch, one line per configuration, as inline SVG. */
function curvesSvg(report: CompareReport): string {
  const [width, height, pad] = [560, 260, 36];
  const epochs = Math.max(1, ...report.rows.map((r) => r.curve.length));
  const x = (epoch: number) => pad + ((epoch - 1) / Math.max(1, epochs - 1)) * (width - 2 * pad);
  const y = (iou: number) => height - pad - iou * (height - 2 * pad);
  const lines = report.rows.map((row, n) => {
    const points = row.curve
      .map((r) => `${x(r.epoch).toFixed(1)},${y(r.meanIou).toFixed(1)}`)
      .join(' ');
    return `<polyline fill="none" stroke="${COLOURS[n % COLOURS.length]}" stroke-width="2" points="${points}"><title>${escape(row.name)}</title></polyline>`;
  });
  const axes = `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#888"/>`;
  const labels = `<text x="${width / 2}" y="${height - 6}" text-anchor="middle">epoch (1-${epochs})</text><text x="10" y="${pad - 10}">mean IoU (0-1)</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">${axes}${labels}${lines.join('')}</svg>`;
}

/** A self-contained page: the table of the paper's comparison on the user's cases, and the curves. */
export function compareReportHtml(report: CompareReport): string {
  const rows = report.rows
    .map(
      (r, n) =>
        `<tr><td><span style="color:${COLOURS[n % COLOURS.length]}">&#9632;</span> ${escape(r.name)}</td><td>${r.meanIou.toFixed(3)}</td><td>${r.meanDice.toFixed(3)}</td><td>${r.seconds.toFixed(0)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>2D vs 3D comparison</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child{text-align:left}</style></head>
<body><h1>2D, ACS and inflated 3D from the same 2D weights</h1>
<p>Classes: ${escape(report.classes.join(', '))}. Trained on ${escape(report.trainCases.join(', '))}; validated on ${escape(report.validationCases.join(', '))}.
Budget for each: ${report.budget.epochs} epochs of ${report.budget.stepsPerEpoch} steps, batch ${report.budget.batchSize}, seed ${report.budget.seed}.</p>
<table><tr><th>configuration</th><th>best mean IoU</th><th>mean Dice (best epoch)</th><th>seconds</th></tr>
${rows}
</table>
<h2>Validation mean IoU by epoch</h2>
${curvesSvg(report)}
</body></html>
`;
}
