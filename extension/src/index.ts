/**
 * @taskcell/jupyterlab's library: the Tasks model and panel, the comm connection, and the renderers.
 * The plugins that wire them into JupyterLab are `plugin.ts` and `mime-extension.ts`, kept out of
 * this barrel so the library loads without an application.
 */
export * from './model';
export * from './dag-view';
export * from './job-row';
export * from './panel';
export * from './connection';
export * from './rerun';
export * from './renderers/table';
export * from './renderers/tree';
export * from './renderers/image';
export * from './renderers/graph';
export * from './renderers/job';
export * from './renderers/vega';
