/** One dataset of the DICOM JSON model (PS3.18 F.2): tag -> { vr, Value }. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

export function jsonString(dataset: DicomJson, tag: string): string {
  const value = dataset[tag]?.Value?.[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return String((value as { Alphabetic?: string }).Alphabetic ?? '');
  return String(value);
}

export function jsonStrings(dataset: DicomJson, tag: string): string[] {
  return (dataset[tag]?.Value ?? []).map(String);
}

export function jsonNumber(dataset: DicomJson, tag: string): number | undefined {
  const value = Number(dataset[tag]?.Value?.[0]);
  return Number.isFinite(value) && dataset[tag]?.Value?.length ? value : undefined;
}
