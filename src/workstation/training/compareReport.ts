import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompareReport } from '../../engine/train/compareConversions';

export type { CompareReport };

/** The report a finished comparison wrote to its folder (startCompare's reportDir). */
export async function readCompareReport(reportDir: string): Promise<CompareReport> {
  return JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as CompareReport;
}
