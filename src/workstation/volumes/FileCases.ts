import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { NamedCase } from '../training/libraryCases';
import { readImage, readLabelsOnto } from './imageFiles';
import type { OpenVolumes } from './OpenVolumes';

/** An image (DICOM folder or NIfTI) and its labelmap file, as absolute paths. */
export interface CaseFilePair {
  image: string;
  labels: string;
}

/**
 * The CLI's cases: image and labels files named on its command line, held as an open volume and
 * labelmap. Which files a volume came from is kept, so that a training records the files (and a
 * resume reads them again) rather than a volume of one process.
 */
export class FileCases {
  /** volume id -> its files and the labelmap read from them */
  private readonly named = new Map<string, { file: CaseFilePair; labelmapId: string }>();

  constructor(private readonly volumes: OpenVolumes) {}

  /** Reads an image and its labels (same grid) and holds them as an open volume and labelmap. */
  async open(image: string, labels: string): Promise<{ volumeId: string; labelmapId: string }> {
    const file = { image: resolve(image), labels: resolve(labels) };
    const volume = await readImage(image);
    const labelmap = await readLabelsOnto(labels, volume);
    const volumeId = this.volumes.hold(volume, file.image);
    const labelmapId = `lab-${randomUUID()}`;
    this.volumes.add({ labelmapId, volumeId, classes: [], counts: [] }, labelmap);
    this.named.set(volumeId, { file, labelmapId });
    return { volumeId, labelmapId };
  }

  /** The files an open volume was read from; undefined for any other volume. */
  of(volumeId: string): CaseFilePair | undefined {
    return this.named.get(volumeId)?.file;
  }

  /** A file case to train on: the copy held open when there is one, else read (a resume). */
  async read(file: CaseFilePair): Promise<NamedCase> {
    const held = [...this.named].find(
      ([, n]) => n.file.image === file.image && n.file.labels === file.labels,
    );
    const open = held && this.heldCase(held[0], held[1].labelmapId);
    if (open) return { id: file.image, name: file.image, ...open };
    const volume = await readImage(file.image);
    const labels = await readLabelsOnto(file.labels, volume);
    return { id: file.image, name: file.image, volume, labels };
  }

  /** A held volume and labelmap, unless eviction closed them since. */
  private heldCase(volumeId: string, labelmapId: string) {
    try {
      return {
        volume: this.volumes.volume(volumeId),
        labels: this.volumes.labelmap(labelmapId).labels,
      };
    } catch {
      return undefined;
    }
  }
}
