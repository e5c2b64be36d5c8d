import { z } from 'zod';

const id = z.string().min(1).max(200);
const rgb = z.tuple([
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
]);

/** The short list of what a segment is (organ, tumour, ...): each maps to SNOMED CT codes. */
export const segmentKindSchema = z.enum([
  'organ',
  'tumour',
  'lesion',
  'tissue',
  'structure',
  'fat',
  'bone',
  'vessel',
]);
export type SegmentKindName = z.infer<typeof segmentKindSchema>;

export const codedConceptSchema = z.object({
  value: z.string(),
  scheme: z.string(),
  meaning: z.string(),
});

/** One segment as it leaves the workstation: its label value, name, colour and kind. */
export const exportSegmentSchema = z
  .object({
    index: z.number().int().min(1).max(255),
    label: z.string().trim().min(1).max(64),
    color: rgb,
    kind: segmentKindSchema,
    /** who drew it: by hand, an AI result edited by hand, or an AI result as it came */
    algorithmType: z.enum(['MANUAL', 'SEMIAUTOMATIC', 'AUTOMATIC']).default('MANUAL'),
    /** the model's name, which DICOM requires for SEMIAUTOMATIC and AUTOMATIC segments */
    algorithmName: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export type ExportSegment = z.input<typeof exportSegmentSchema>;

/** A segment read back from an imported SEG or NIfTI label table. */
export const importedSegmentSchema = z.object({
  index: z.number().int().min(1).max(255),
  label: z.string(),
  color: rgb,
  /** the kind whose codes the file carries, when they are one of the short list's */
  kind: segmentKindSchema.optional(),
});
export type ImportedSegment = z.infer<typeof importedSegmentSchema>;

const path = z.string().min(1).max(4096);

/**
 * Export of a segmentation (an uploaded labelmap of an open volume) as DICOM SEG or NIfTI with
 * its label tables, and import of either onto an open volume. Nothing is overwritten unless
 * `overwrite` is set: a target that exists is an `exists` error naming it.
 */
export const exportCommandSchemas = {
  /** The segment kinds the user picks from, with the codes a SEG gets for each. */
  listSegmentKinds: {
    params: z.object({}).strict(),
    result: z.array(
      z.object({
        kind: segmentKindSchema,
        category: codedConceptSchema,
        type: codedConceptSchema,
      }),
    ),
  },
  exportSegmentation: {
    params: z
      .object({
        labelmapId: id,
        format: z.enum(['nifti', 'dicom-seg']),
        path,
        overwrite: z.boolean().default(false),
        /** the segmentation's name: the SEG's series description */
        name: z.string().trim().min(1).max(64),
        segments: z.array(exportSegmentSchema).min(1).max(255),
      })
      .strict(),
    result: z.object({
      /** every file written (a NIfTI export writes its label tables beside it) */
      paths: z.array(z.string()),
      bytes: z.number().int().positive(),
    }),
  },
  /**
   * Reads a DICOM SEG or a NIfTI labelmap onto an open volume, as a new labelmap (fetch its
   * bytes by labelmapId). From a path, or from an upload the browser host received under
   * `uploadId`. A file whose grid is not the volume's is refused, naming the difference.
   */
  importSegmentation: {
    params: z
      .object({
        volumeId: id,
        path: path.optional(),
        uploadId: z
          .string()
          .regex(/^[\w-]{1,100}$/)
          .optional(),
      })
      .strict()
      .refine((p) => (p.path === undefined) !== (p.uploadId === undefined), {
        message: 'give either a path or an uploadId',
      }),
    result: z.object({
      labelmapId: id,
      format: z.enum(['nifti', 'dicom-seg']),
      name: z.string(),
      segments: z.array(importedSegmentSchema),
    }),
  },
} as const;
