/**
 * taskcell: the cell-facing API. Everything a notebook cell needs comes from here:
 * `import { task, workflow, run } from "taskcell"`.
 */
import './builtins';

export * from '@taskcell/core';
export { registerTaskcellBuiltins } from './builtins';
