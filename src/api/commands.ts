import { z } from 'zod';
import { displayWindowSchema } from './displayWindow';
import { volumeGeometrySchema, voxelTypeSchema } from './geometry';
import { libraryCommandSchemas, seriesLibraryFields } from './libraryCommands';
import { exportCommandSchemas } from './exportCommands';
import { pacsCommandSchemas } from './pacsCommands';
import { modelCardSummarySchema } from './modelCardSummary';
import { onnxCommandSchemas } from './onnxCommands';
import { segmentationCommandSchemas } from './segmentationCommands';
import { trainingCommandSchemas } from './trainingCommands';
import { compareCommandSchemas } from './compareCommands';

const id = z.string().min(1).max(200);

export const seriesSummarySchema = z.object({
  seriesId: id,
  patientName: z.string(),
  studyDescription: z.string(),
  seriesDescription: z.string(),
  modality: z.string(),
  dimensions: z.tuple([z.number(), z.number(), z.number()]),
  ...seriesLibraryFields,
});
export type SeriesSummary = z.infer<typeof seriesSummarySchema>;

export const volumeInfoSchema = z.object({
  volumeId: id,
  seriesId: id,
  geometry: volumeGeometrySchema,
  voxelType: voxelTypeSchema,
  /** minimum and maximum voxel value, for an initial window */
  range: z.tuple([z.number(), z.number()]),
  modality: z.string(),
  /** the series' own Window Center/Width pairs, the first to open with; [] when it has none */
  windows: z.array(displayWindowSchema),
});
export type VolumeInfo = z.infer<typeof volumeInfoSchema>;

export const labelmapInfoSchema = z.object({
  labelmapId: id,
  volumeId: id,
  classes: z.array(z.string()),
  /** voxels per label value, index = label */
  counts: z.array(z.number().int().nonnegative()),
});
export type LabelmapInfo = z.infer<typeof labelmapInfoSchema>;

const backendAttemptSchema = z.object({
  name: z.string(),
  loaded: z.boolean(),
  reason: z.string(),
});
/**
 * `backend` is the tfjs backend; `inference` says which runtime infers (ONNX Runtime or that
 * backend), `training` which one trains and why.
 */
export const backendStatusSchema = z.object({
  backend: z.string(),
  attempts: z.array(backendAttemptSchema),
  inference: z.object({ backend: z.string(), attempts: z.array(backendAttemptSchema) }).optional(),
  training: z.object({ backend: z.string(), reason: z.string() }).optional(),
});
export type BackendStatus = z.infer<typeof backendStatusSchema>;

export const modelSummarySchema = z.object({
  modelId: id,
  name: z.string(),
  classes: z.array(z.string()),
  card: modelCardSummarySchema.optional(),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

/**
 * Every command: its params schema and its result schema. The core validates params of every
 * incoming request; results are validated in tests so both sides keep to the contract.
 */
export const commandSchemas = {
  ...trainingCommandSchemas,
  ...onnxCommandSchemas,
  ...compareCommandSchemas,
  listSeries: { params: z.object({}).strict(), result: z.array(seriesSummarySchema) },
  openSeries: { params: z.object({ seriesId: id }).strict(), result: volumeInfoSchema },
  /**
   * The page no longer shows a volume: the core forgets it and its labelmaps (AI results,
   * uploads), and the series' voxels once no other open volume holds them. Closing an unknown
   * (or already closed) volume is not an error: `closed` is false.
   */
  closeVolume: {
    params: z.object({ volumeId: id }).strict(),
    result: z.object({
      closed: z.boolean(),
      labelmaps: z.number().int().nonnegative(),
      seriesReleased: z.boolean(),
    }),
  },
  listModels: { params: z.object({}).strict(), result: z.array(modelSummarySchema) },
  runModel: {
    params: z.object({ volumeId: id, modelId: id }).strict(),
    result: z.object({ jobId: id }),
  },
  cancelJob: {
    params: z.object({ jobId: id }).strict(),
    result: z.object({ cancelled: z.boolean() }),
  },
  exportLabelmap: {
    params: z
      .object({
        labelmapId: id,
        path: z.string().min(1).max(4096),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ path: z.string(), bytes: z.number().int().positive() }),
  },
  getBackendStatus: { params: z.object({}).strict(), result: backendStatusSchema },
  getAppInfo: {
    params: z.object({}).strict(),
    result: z.object({ version: z.string(), exportDirectory: z.string() }),
  },
  ...segmentationCommandSchemas,
  ...libraryCommandSchemas,
  ...exportCommandSchemas,
  ...pacsCommandSchemas,
} as const;

export type CommandName = keyof typeof commandSchemas;
export type CommandParams<C extends CommandName> = z.input<(typeof commandSchemas)[C]['params']>;
export type CommandResult<C extends CommandName> = z.infer<(typeof commandSchemas)[C]['result']>;

export const commandNames = Object.keys(commandSchemas) as CommandName[];
