import type { CompareReport, CompareRow } from './compareConversions';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#17becf'];

function escape(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

const f3 = (v: number) => v.toFixed(3);
const pm = (mean: number, sd: number) => `${f3(mean)} &plusmn; ${f3(sd)}`;
const p = (v: number | null | undefined) =>
  v === null || v === undefined ? '&ndash;' : v.toFixed(3);

/** Round tick steps (1, 2 or 5 times a power of ten) for a span. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
  return out;
}

/**
 * Validation mean IoU per epoch (mean over folds), one line per configuration, as inline SVG:
 * the y axis spans the data (so differences of 0.03 show), with ticks, labels and a legend.
 */
function curvesSvg(report: CompareReport): string {
  const [width, height, left, right, top, bottom] = [640, 300, 56, 200, 16, 44];
  const values = report.rows.flatMap((r) => r.curve.map((e) => e.meanIou));
  const epochs = Math.max(1, ...report.rows.map((r) => r.curve.length));
  const lo0 = Math.min(...values, 1);
  const hi0 = Math.max(...values, 0);
  const margin = Math.max(0.01, (hi0 - lo0) * 0.1);
  const [lo, hi] = [Math.max(0, lo0 - margin), Math.min(1, hi0 + margin)];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (epoch: number) =>
    left + (epochs > 1 ? ((epoch - 1) / (epochs - 1)) * plotW : plotW / 2);
  const y = (v: number) => top + plotH - ((v - lo) / Math.max(1e-9, hi - lo)) * plotH;
  const parts: string[] = [];
  for (const v of ticks(lo, hi, 5)) {
    parts.push(
      `<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${left + plotW}" y2="${y(v).toFixed(1)}" stroke="#eee"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(Math.max(0, -Math.floor(Math.log10((hi - lo) / 5))))}</text>`,
    );
  }
  for (const e of ticks(1, epochs, Math.min(10, epochs)).filter((e) => Number.isInteger(e))) {
    parts.push(
      `<line x1="${x(e).toFixed(1)}" y1="${top + plotH}" x2="${x(e).toFixed(1)}" y2="${top + plotH + 4}" stroke="#888"/><text x="${x(e).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${e}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#888"/>`,
    `<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle">epoch</text>`,
    `<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">validation mean IoU (foreground)</text>`,
  );
  report.rows.forEach((row, n) => {
    const colour = COLOURS[n % COLOURS.length];
    const points = row.curve.map((r) => `${x(r.epoch).toFixed(1)},${y(r.meanIou).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"><title>${escape(row.name)}</title></polyline>`,
      ...row.curve.map(
        (r) =>
          `<circle cx="${x(r.epoch).toFixed(1)}" cy="${y(r.meanIou).toFixed(1)}" r="2.5" fill="${colour}"/>`,
      ),
      `<rect x="${left + plotW + 14}" y="${top + n * 18}" width="10" height="10" fill="${colour}"/><text x="${left + plotW + 30}" y="${top + n * 18 + 9}">${escape(row.name)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11" data-testid="curves">${parts.join('')}</svg>`;
}

function casesOf(report: CompareReport, keys: string[]): string {
  const name = new Map(report.cases.map((c) => [c.key, c.name]));
  return keys.map((k) => escape(name.get(k) ?? k)).join(', ');
}

function mainTable(report: CompareReport): string {
  const head =
    '<tr><th>configuration</th><th>held-out mean IoU</th><th>with background</th><th>mean Dice</th>' +
    '<th>p vs 2D</th><th>seed spread (mean IoU per repeat)</th><th>paper Table 1</th></tr>';
  const body = report.rows.map(
    (r: CompareRow, n) =>
      `<tr><td><span style="color:${COLOURS[n % COLOURS.length]}">&#9632;</span> ${escape(r.name)}</td>` +
      `<td>${pm(r.meanIou, r.sdIou)}</td><td>${pm(r.meanIouWithBackground, r.sdIouWithBackground)}</td>` +
      `<td>${pm(r.meanDice, r.sdDice)}</td><td>${r.pVs2d ? p(r.pVs2d.meanIou) : 'baseline'}</td>` +
      `<td>${r.repeatMeanIou.map(f3).join(', ')}</td><td>${p(r.paperMeanIou)}</td></tr>`,
  );
  return `<table>${head}\n${body.join('\n')}</table>`;
}

function classTable(report: CompareReport): string {
  const head = `<tr><th>configuration</th>${report.classes.map((c, k) => `<th>${escape(c)}${k === 0 ? ' (background)' : ''}</th>`).join('')}</tr>`;
  const body = report.rows.map(
    (r) =>
      `<tr><td>${escape(r.name)}</td>${r.classIou
        .map(
          (s, k) =>
            `<td>${pm(s.mean, s.sd)}${r.pVs2d ? `<br><small>p ${p(r.pVs2d.classIou[k])}</small>` : ''}</td>`,
        )
        .join('')}</tr>`,
  );
  return `<table>${head}\n${body.join('\n')}</table>`;
}

function batchNormText(r: CompareRow): string {
  const c = r.plan.calibration;
  if (c)
    return `running statistics calibrated on ${c.passes} &times; ${c.batch} training patches, then frozen`;
  return r.plan.batchNorm === 'batch' ? 'batch statistics' : 'running statistics (frozen)';
}

function planTable(report: CompareReport): string {
  const head =
    '<tr><th>configuration</th><th>patch (d&times;h&times;w)</th><th>batch</th><th>labelled voxels / step</th>' +
    '<th>steps</th><th>batch norm</th><th>wall time (s)</th></tr>';
  const steps = report.budget.epochs * report.budget.stepsPerEpoch;
  const body = report.rows.map(
    (r) =>
      `<tr><td>${escape(r.name)}</td><td>${r.plan.patchSize.join('&times;')}</td><td>${r.plan.batchSize}</td>` +
      `<td>${r.plan.voxelsPerStep}</td><td>${steps} &times; ${report.folds.length} folds</td>` +
      `<td>${batchNormText(r)} (${r.plan.deepestBatchNormValues} values/channel at the deepest stage)</td>` +
      `<td>${r.seconds.toFixed(0)}</td></tr>`,
  );
  return `<table>${head}\n${body.join('\n')}</table>`;
}

function foldTable(report: CompareReport): string {
  const head = `<tr><th>repeat / fold (seed)</th><th>train</th><th>validation</th><th>held out</th>${report.rows.map((r) => `<th>${escape(r.name)}</th>`).join('')}</tr>`;
  const body = report.folds.map((f, n) => {
    const cells = report.rows.map((r) => {
      const result = r.folds[n];
      return `<td>${f3(result.heldOutMeanIou)}<br><small>epoch ${result.selectedEpoch}</small></td>`;
    });
    return (
      `<tr><td>${f.repeat + 1} / ${f.fold + 1} (${f.seed})</td><td>${casesOf(report, f.train)}</td>` +
      `<td>${casesOf(report, f.validation)}${f.validatesOnTraining ? ' (= training)' : ''}</td>` +
      `<td>${casesOf(report, f.test)}</td>${cells.join('')}</tr>`
    );
  });
  return `<table>${head}\n${body.join('\n')}</table>`;
}

/** A self-contained page a reader can check: protocol, cases, figures with spread, plots. */
export function compareReportHtml(report: CompareReport): string {
  const base = report.base.card;
  const cases = report.cases
    .map(
      (c) =>
        `<li>${escape(c.name)} <code>${c.key}</code>${c.labels ? ` &ndash; labels <code>${escape(c.labels)}</code>` : ''}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>2D vs 3D comparison</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}td:first-child,th:first-child{text-align:left}small{color:#666}</style></head>
<body><h1>2D, ACS and inflated 3D from the same 2D weights</h1>
<h2>Protocol</h2>
<p>${report.protocol.folds}-fold cross-validation, ${report.protocol.repeats} repeat(s), seeds ${report.protocol.seeds.join(', ')}: each fold's cases are held out once and never used for training or model selection. Model selection: ${escape(report.protocol.selection)}. Unit of the spread: ${escape(report.protocol.unit)} (figures are mean &plusmn; SD). Test: ${escape(report.protocol.test)}.</p>
<p>Classes: ${escape(report.classes.join(', '))}. ${escape(report.background)}.</p>
<p>Budget for each configuration and fold: ${report.budget.epochs} epochs of ${report.budget.stepsPerEpoch} steps; the 3D batch is ${report.budget.batchSize3d} patches; the 2D baseline gets slices of the same height and width (whole slices where a slice fits in them), as many per step as the 3D batch has slices, so every configuration sees the same labelled voxels per step, the same steps and epochs, and the same in-plane field of view.</p>
<p>Inflated 3D encoders: ${report.depthStrides ? 'stride and pool in depth as in-plane (the paper&rsquo;s network; zero-weight init then differs from 2D)' : 'keep the depth (in-plane strides and pooling only), so zero-weight init starts exactly as the 2D network'}.</p>
<p>Batch norm: ${report.normalisation === 'calibrated' ? 'every configuration&rsquo;s running statistics are recomputed on its fold&rsquo;s training patches before fine-tuning (forward passes in training mode, no weight changes; PyTorch&rsquo;s update_bn), then stay frozen while it trains' : 'batch statistics wherever the deepest stage has at least two values a channel in a step, else frozen running statistics'} (per configuration below).</p>
<p>Trained on: ${escape(report.training.backends.join(', ') || 'nothing')} (${escape(report.training.reasons.join('; '))}).</p>
<p>Base model: <b>${escape(report.base.name)}</b> (${escape(base.architecture)}, width ${base.baseWidth}, ${escape(base.kind)}, ${base.dilated ? 'dilated' : 'not dilated'}, input ${base.input.channels} channels (${escape(base.input.slices)}), spacing ${base.inputSpacing.join(' &times; ')} mm, intensity ${escape(base.intensity.kind)}, trained on ${base.trainedOn.length ? escape(base.trainedOn.join(', ')) : 'nothing recorded'}).</p>
<h2>Cases</h2><ul>${cases}</ul>
<h2>Held-out results</h2>
${mainTable(report)}
<p><small>Paper Table 1: Eshed, "2D to 3D Transfer Learning for Medical Images", on its own data and budget (30 epochs, VOC-pretrained weights); beside ours for the ordering only, not as a like-for-like figure. It has no ACS row.</small></p>
<h3>IoU per class (held out; p vs 2D below)</h3>
${classTable(report)}
<h3>Per fold: held-out mean IoU of the selected checkpoint</h3>
${foldTable(report)}
<h3>What each configuration trained with</h3>
${planTable(report)}
<h2>Validation mean IoU by epoch (mean over folds)</h2>
${curvesSvg(report)}
<p><small>The held-out labelmaps are in each fold's folder (heldout-&lt;case key&gt;.nii.gz), the reference labels in cases/: every figure above can be recomputed from them.</small></p>
</body></html>
`;
}
