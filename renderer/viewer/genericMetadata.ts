import { cache, Enums, utilities } from '@cornerstonejs/core';

const MODULES: string[] = Object.values(Enums.MetadataModules);

/**
 * Drops the metadata Cornerstone filed for images it no longer caches. Making a local volume
 * files each slice's plane and pixel modules with Cornerstone's generic metadata provider, which
 * cannot remove one image (only all): without this every series opened left a few hundred
 * entries for the life of the page. So the entries of the images still cached (the page caches
 * images only as slices of its volumes) are read, the provider cleared, and they are put back.
 */
export function pruneGenericMetadata(): void {
  const provider = utilities.genericMetadataProvider;
  const kept: [string, string, unknown][] = [];
  for (const volume of cache.getVolumes()) {
    for (const imageId of volume.imageIds ?? []) {
      for (const type of MODULES) {
        const metadata: unknown = provider.get(type, imageId);
        if (metadata !== undefined) kept.push([imageId, type, metadata]);
      }
    }
  }
  provider.clear();
  for (const [imageId, type, metadata] of kept) provider.addRaw(imageId, { type, metadata });
}
