import { z } from 'zod';

/**
 * What a QIDO-RS search answers, as DicomWebClient returns it and as the api hands it to the
 * renderer (src/api re-exports these; this file imports nothing but zod so the browser can too).
 */
export const pacsStudySchema = z.object({
  studyInstanceUid: z.string(),
  patientName: z.string(),
  patientId: z.string(),
  studyDate: z.string(),
  studyDescription: z.string(),
  accessionNumber: z.string(),
  modalities: z.array(z.string()),
  numberOfSeries: z.number().optional(),
});
export type PacsStudy = z.infer<typeof pacsStudySchema>;

export const pacsSeriesSchema = z.object({
  studyInstanceUid: z.string(),
  seriesInstanceUid: z.string(),
  modality: z.string(),
  seriesNumber: z.number().optional(),
  seriesDescription: z.string(),
  numberOfInstances: z.number().optional(),
});
export type PacsSeries = z.infer<typeof pacsSeriesSchema>;
