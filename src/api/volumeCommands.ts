import { z } from 'zod';

const id = z.string().min(1).max(200);

/**
 * Open volumes: a page that leaves a series (switching in place, closing a tab) closes its
 * volume so the core can give its memory back at once rather than when eviction by use gets to
 * it. The volume's labelmaps go with it. A labelmap the page put (`putLabelmap`) and did not save
 * since (`saveSegmentation`) holds edits: closing is then refused with code `unsaved`, naming
 * them, unless `discardUnsaved` says they may go.
 */
export const volumeCommandSchemas = {
  closeVolume: {
    params: z.object({ volumeId: id, discardUnsaved: z.boolean().default(false) }).strict(),
    result: z.object({
      /** the labelmaps that were closed with it */
      labelmaps: z.array(id),
    }),
  },
} as const;
