import { z } from 'zod';

/**
 * A Window Center/Width pair a DICOM series carries (0028,1050 / 0028,1051, with 0028,1055's
 * explanation), in modality units (after Rescale Slope/Intercept), as the scanner or the
 * technologist chose it for this series.
 */
export const displayWindowSchema = z.object({
  center: z.number(),
  width: z.number().positive(),
  explanation: z.string(),
});
export type DisplayWindow = z.infer<typeof displayWindowSchema>;
