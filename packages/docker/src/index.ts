/**
 * @taskcell/docker: the `docker` mode (Girder Worker's docker task contract) and `dockerRun()`
 * with its volume and pipe helpers, through dockerode.
 */
export * from './errors';
export * from './client';
export * from './demux';
export * from './capture';
export * from './progress';
export * from './expand';
export * from './task-spec';
export * from './volumes';
export * from './girder-transforms';
export * from './pipes';
export * from './docker-run';
export * from './policy';
export * from './gc';
export * from './docker-mode';
export * from './slicer-cli';
