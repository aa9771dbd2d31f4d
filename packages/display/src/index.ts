/**
 * @taskcell/display: values and jobs as Jupyter MIME bundles (always with text fallbacks), and the
 * versioned comm schema the kernel and the JupyterLab extension share. Browser-safe.
 */
export * from './mime';
export * from './html';
export * from './plain';
export * from './bundle';
export * from './markup';
export * from './table';
export * from './tree';
export * from './graph';
export * from './graph-layout';
export * from './image';
export * from './vega';
export * from './leaderboard';
export * from './runs';
export * from './job-view';
export * from './comm-schema';
export * from './task-form';
