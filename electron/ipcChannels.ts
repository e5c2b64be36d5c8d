/** IPC channel names shared by the main process and the preload script. */
export const IPC = {
  request: 'workstation:request',
  voxels: 'workstation:voxels',
  putLabelmap: 'workstation:put-labelmap',
  chooseSavePath: 'workstation:choose-save-path',
  /** preload -> main: the path of a file the user dropped, read from its File object */
  grantDropped: 'workstation:grant-dropped',
  event: 'workstation:event',
  /** the library's import dialog and its thumbnails */
  importWithDialog: 'workstation:import-with-dialog',
  thumbnail: 'workstation:thumbnail',
} as const;

/** The renderer is served from this privileged scheme, never from file:// (see ENVIRONMENT.md). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://workstation`;
