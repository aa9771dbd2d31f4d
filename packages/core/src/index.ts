/**
 * @taskcell/core: typed tasks and workflows, formats and conversion, io bindings, the runner and
 * its job events.
 */
export * from './errors';
export * from './states';
export * from './events';
export * from './spec';
export * from './types';
export * from './builders';
export * from './job';
export * from './runner';
export * from './api';
export * from './load';
export * from './free-variables';
export * from './formats/registry';
export * from './formats/python-json';
export * from './formats/scalars';
export * from './formats/builtins';
export * from './modes/registry';
export * from './modes/javascript';
export * from './modes/workflow';
export * from './io/registry';
export * from './io/bindings';
export * from './io/files';
export * from './io/inline';
export * from './io/local';
export * from './io/http';
export * from './cache/fetch-cache';
export * from './cache/result-cache';
export * from './cache/hash';
