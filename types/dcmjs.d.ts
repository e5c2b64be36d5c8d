// dcmjs ships no type declarations; only what this project calls is typed here.
declare module 'dcmjs' {
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(): ArrayBuffer;
  }
  const dcmjs: {
    /** viewer adapters: only reached from tests, typed where they are called */
    adapters: {
      Cornerstone: { Segmentation: { generateToolState: unknown } };
    };
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
        naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      };
      Colors: {
        rgb2DICOMLAB(rgb: number[]): number[];
        dicomlab2RGB(lab: number[]): number[];
      };
      DicomMessage: {
        readFile(buffer: ArrayBuffer): {
          meta: Record<string, unknown>;
          dict: Record<string, unknown>;
        };
      };
    };
  };
  export default dcmjs;
}
