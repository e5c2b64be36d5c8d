/** Storage classes that hold no image volume: skipped on import, named in the report. */
const NON_IMAGE_CLASSES: [prefix: string, name: string][] = [
  ['1.2.840.10008.1.3.10', 'DICOMDIR'],
  ['1.2.840.10008.5.1.4.1.1.88.', 'Structured Report'],
  ['1.2.840.10008.5.1.4.1.1.11.', 'Presentation State'],
  ['1.2.840.10008.5.1.4.1.1.481.3', 'RT Structure Set'],
  ['1.2.840.10008.5.1.4.1.1.481.5', 'RT Plan'],
  ['1.2.840.10008.5.1.4.1.1.481.2', 'RT Dose'],
  ['1.2.840.10008.5.1.4.1.1.66.4', 'Segmentation'],
  ['1.2.840.10008.5.1.4.1.1.104.1', 'Encapsulated PDF'],
  ['1.2.840.10008.5.1.4.1.1.9.', 'Waveform'],
  ['1.2.840.10008.5.1.4.1.1.66', 'Raw Data / Registration'],
];

/** The name of a SOP class that is never an image volume, or undefined for image classes. */
export function nonImageClass(sopClassUid: string): string | undefined {
  return NON_IMAGE_CLASSES.find(([prefix]) => sopClassUid.startsWith(prefix))?.[1];
}
