import { z } from 'zod';
import { exportSegmentSchema } from './exportCommands';
import {
  pacsSeriesSchema,
  pacsStudySchema,
  type PacsSeries,
  type PacsStudy,
} from '../pacs/summaries';

const id = z.string().min(1).max(200);
const serverId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes');
const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID')
  .max(64);

/**
 * A DICOMweb server as the UI sees it. Never the password or token: `hasCredentials` says
 * whether one is stored, `credentialsInClear` warns that plain http would send it unencrypted.
 */
export const pacsServerViewSchema = z
  .object({
    id: serverId,
    name: z.string(),
    url: z.string(),
    auth: z.enum(['none', 'basic', 'bearer']),
    username: z.string().optional(),
    timeoutMs: z.number().int().optional(),
    hasCredentials: z.boolean(),
    credentialsInClear: z.boolean(),
  })
  .strict();
export type PacsServerInfo = z.infer<typeof pacsServerViewSchema>;

export { pacsStudySchema, pacsSeriesSchema, type PacsStudy, type PacsSeries };

/** QIDO-RS keys as a person types them: patient name takes * and ?, dates are YYYYMMDD(-YYYYMMDD). */
const text = (max: number) => z.string().trim().max(max).optional();

/**
 * The DICOMweb servers (settings, credentials kept by the core's secret store), search, retrieve
 * into the library (a job: progress, cancelJob, `pacs.retrieved` when the series is in the
 * library, and retrieving again resumes a cut one), and sending the SEG of a segmentation.
 */
export const pacsCommandSchemas = {
  listPacsServers: { params: z.object({}).strict(), result: z.array(pacsServerViewSchema) },
  savePacsServer: {
    params: z
      .object({
        id: serverId,
        name: z.string().trim().min(1).max(100),
        url: z.string().min(1).max(2000),
        auth: z.enum(['none', 'basic', 'bearer']),
        username: z.string().min(1).max(200).optional(),
        timeoutMs: z.number().int().min(1000).max(600_000).optional(),
        /** the password (basic) or token (bearer): write-only; left out keeps the stored one */
        secret: z.string().min(1).max(8192).optional(),
      })
      .strict(),
    result: pacsServerViewSchema,
  },
  removePacsServer: {
    params: z.object({ id: serverId }).strict(),
    result: z.object({ removed: z.boolean() }),
  },
  /** Asks the server for one study: says whether it answers, accepts the credentials, speaks QIDO. */
  testPacsServer: {
    params: z.object({ id: serverId }).strict(),
    result: z.object({ ok: z.literal(true), milliseconds: z.number() }),
  },
  searchPacsStudies: {
    params: z
      .object({
        serverId,
        patientName: text(64),
        patientId: text(64),
        /** YYYYMMDD or a range YYYYMMDD-YYYYMMDD */
        studyDate: z
          .string()
          .trim()
          .regex(/^(\d{8})?(-(\d{8})?)?$/, 'YYYYMMDD or YYYYMMDD-YYYYMMDD')
          .optional(),
        modality: text(16),
        accessionNumber: text(16),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    result: z.array(pacsStudySchema),
  },
  searchPacsSeries: {
    params: z.object({ serverId, studyInstanceUid: uid }).strict(),
    result: z.array(pacsSeriesSchema),
  },
  retrievePacsSeries: {
    params: z.object({ serverId, studyInstanceUid: uid, seriesInstanceUid: uid }).strict(),
    result: z.object({ jobId: id }),
  },
  /** Drops what a cut or cancelled retrieve left (kept so that retrieving again resumes). */
  discardPacsRetrieve: {
    params: z.object({ seriesInstanceUid: uid }).strict(),
    result: z.object({ discarded: z.boolean() }),
  },
  /** Sends a segmentation of an open volume as a DICOM SEG (STOW-RS). */
  sendSegmentationToPacs: {
    params: z
      .object({
        serverId,
        labelmapId: id,
        name: z.string().trim().min(1).max(64),
        segments: z.array(exportSegmentSchema).min(1).max(255),
      })
      .strict(),
    result: z.object({
      studyInstanceUid: z.string(),
      seriesInstanceUid: z.string(),
      sopInstanceUid: z.string(),
    }),
  },
} as const;

/** A retrieved series is complete and in the library: the series browser can show it now. */
export const pacsRetrievedEventSchema = z.object({
  type: z.literal('pacs.retrieved'),
  jobId: id,
  /** the library's ids of the series the retrieve brought in */
  seriesIds: z.array(z.string()),
  seriesInstanceUid: z.string(),
  instances: z.number().int().nonnegative(),
  /** instances an earlier, interrupted retrieve had already brought */
  resumed: z.number().int().nonnegative(),
});
