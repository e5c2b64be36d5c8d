import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { SegmentDefinition } from '../dicom/seg/Segment';
import { SEGMENT_KINDS, isSegmentKind } from '../dicom/seg/segmentKinds';
import { niftiExportPaths } from './niftiExportPaths';

const rgb = z.tuple([
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
]);
const code = z.object({ value: z.string(), scheme: z.string(), meaning: z.string() });

/** The JSON label table written beside a NIfTI labelmap: what each voxel value means. */
export const labelTableSchema = z.object({
  format: z.literal('acs-workstation-labels'),
  version: z.literal(1),
  labels: z.array(
    z.object({
      value: z.number().int().min(1).max(65535),
      label: z.string().min(1),
      color: rgb,
      kind: z.string().refine(isSegmentKind, 'not a known segment kind'),
      category: code,
      type: code,
      algorithmType: z.enum(['MANUAL', 'SEMIAUTOMATIC', 'AUTOMATIC']),
      algorithmName: z.string().optional(),
    }),
  ),
});
export type LabelTable = z.infer<typeof labelTableSchema>;

export function labelTable(segments: SegmentDefinition[]): LabelTable {
  return {
    format: 'acs-workstation-labels',
    version: 1,
    labels: segments.map((s) => ({
      value: s.labelValue,
      label: s.label,
      color: s.color,
      kind: s.kind,
      category: SEGMENT_KINDS[s.kind].category,
      type: SEGMENT_KINDS[s.kind].type,
      algorithmType: s.algorithmType,
      ...(s.algorithmName ? { algorithmName: s.algorithmName } : {}),
    })),
  };
}

/** Parses a JSON label table back into segment definitions; says what is wrong with a bad one. */
export function parseLabelTable(text: string, path: string): SegmentDefinition[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = labelTableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: not a label table (${issue.path.join('.')}: ${issue.message})`);
  }
  return parsed.data.labels.map((l) => ({
    labelValue: l.value,
    label: l.label,
    color: l.color,
    kind: l.kind as SegmentDefinition['kind'],
    algorithmType: l.algorithmType,
    ...(l.algorithmName ? { algorithmName: l.algorithmName } : {}),
  }));
}

/**
 * ITK-SNAP's label description file, so the labelmap opens there (and in 3D Slicer, which reads
 * it too) with its names and colours. Label names lose double quotes, which the format cannot hold.
 */
export function itkSnapLabels(segments: SegmentDefinition[]): string {
  const header = [
    '################################################',
    '# ITK-SnAP Label Description File',
    '# File format: ',
    '# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL',
    '# Fields: ',
    '#    IDX:   Zero-based index ',
    '#    -R-:   Red color component (0..255)',
    '#    -G-:   Green color component (0..255)',
    '#    -B-:   Blue color component (0..255)',
    '#    -A-:   Label transparency (0.00 .. 1.00)',
    '#    VIS:   Label visibility (0 or 1)',
    '#    MSH:   Label mesh visibility (0 or 1)',
    '#  LABEL:   Label description ',
    '################################################',
  ];
  const line = (value: number, [r, g, b]: number[], alpha: number, label: string) =>
    `${String(value).padStart(5)} ${String(r).padStart(5)} ${String(g).padStart(4)} ${String(b).padStart(4)}        ${alpha}  ${alpha}  ${alpha}    "${label.replace(/"/g, "'")}"`;
  return [
    ...header,
    line(0, [0, 0, 0], 0, 'Clear Label'),
    ...segments.map((s) => line(s.labelValue, s.color, 1, s.label)),
    '',
  ].join('\n');
}

/**
 * The segments of the JSON label table an export wrote beside `niftiPath`, or undefined when
 * there is none (a labelmap from elsewhere: its values are then all the UI knows).
 */
export async function readLabelTableBeside(
  niftiPath: string,
): Promise<SegmentDefinition[] | undefined> {
  const path = niftiExportPaths(niftiPath).json;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseLabelTable(text, path);
}
