import type { CompareReport } from '../../workstation/training/compareReport';

const f3 = (v: number) => v.toFixed(3);
const p = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));

/** The report's tables as text: what report.html shows first, for a terminal. */
export function printCompareTable(report: CompareReport, print: (line: string) => void): void {
  const width = Math.max(13, ...report.rows.map((r) => r.name.length));
  print(
    `held-out cases: ${report.cases.length}, ${report.protocol.folds} folds x ${report.protocol.repeats} repeat(s), seeds ${report.protocol.seeds.join(',')}; mean +- SD over cases; foreground classes unless said`,
  );
  print(
    `trained on ${report.training.backends.join(', ') || 'nothing'} (${report.training.reasons.join('; ')})`,
  );
  print(
    `${'configuration'.padEnd(width)}  ${'mean IoU'.padEnd(13)}  ${'with bg'.padEnd(13)}  ${'mean Dice'.padEnd(13)}  p vs 2D  paper  patch      batch  voxels/step  BN      seconds`,
  );
  for (const r of report.rows) {
    print(
      [
        r.name.padEnd(width),
        `${f3(r.meanIou)} +- ${f3(r.sdIou)}`,
        `${f3(r.meanIouWithBackground)} +- ${f3(r.sdIouWithBackground)}`,
        `${f3(r.meanDice)} +- ${f3(r.sdDice)}`,
        (r.pVs2d ? p(r.pVs2d.meanIou) : 'base').padStart(7),
        p(r.paperMeanIou).padStart(5),
        r.plan.patchSize.join('x').padEnd(9),
        String(r.plan.batchSize).padStart(5),
        String(r.plan.voxelsPerStep).padStart(11),
        (r.plan.calibration ? 'calib' : r.plan.batchNorm).padEnd(6),
        r.seconds.toFixed(1).padStart(7),
      ].join('  '),
    );
  }
  print(`IoU per class (mean +- SD over cases): ${report.classes.join(' | ')}`);
  for (const r of report.rows) {
    print(
      `${r.name.padEnd(width)}  ${r.classIou.map((s) => `${f3(s.mean)} +- ${f3(s.sd)}`).join(' | ')}`,
    );
  }
}
