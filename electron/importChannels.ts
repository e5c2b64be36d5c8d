/** IPC channels of the library's import dialog and thumbnails (main process and preload). */
export const IMPORT_IPC = {
  importWithDialog: 'workstation:import-with-dialog',
  thumbnail: 'workstation:thumbnail',
} as const;
