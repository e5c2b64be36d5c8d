import { metaData } from '@cornerstonejs/core';

/**
 * The per-slice plane metadata of the volumes made here, held by volume so that a volume closed
 * on a series switch takes its entries with it (Cornerstone's generic provider can only be
 * cleared whole, and kept every slice of every series opened).
 */
const byVolume = new Map<string, Map<string, unknown>>();
let registered = false;

/** Files the imagePlaneModule of each of a volume's slice image ids. */
export function addSliceMetadata(volumeId: string, slices: Map<string, unknown>): void {
  if (!registered) {
    // above Cornerstone's own providers: these ids are ours alone
    metaData.addProvider((type: string, imageId: string) => {
      if (type !== 'imagePlaneModule') return undefined;
      const volume = imageId.slice(0, imageId.lastIndexOf('_slice_'));
      return byVolume.get(volume)?.get(imageId);
    }, 10_000);
    registered = true;
  }
  byVolume.set(volumeId, slices);
}

/** Forgets a closed volume's slices. */
export function removeSliceMetadata(volumeId: string): void {
  byVolume.delete(volumeId);
}

/** How many volumes have slice metadata held (what a series switch must keep bounded). */
export function sliceMetadataVolumes(): number {
  return byVolume.size;
}
