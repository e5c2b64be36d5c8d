export * from './commands';
export * from './envelope';
export * from './errors';
export * from './events';
export * from './geometry';
export * from './segmentationCommands';
export type * from './WorkstationApi';
export * from './trainingCommands';
export * from './compareCommands';
