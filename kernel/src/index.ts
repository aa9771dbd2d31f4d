/**
 * taskcell: the cell-facing API. Everything a notebook cell needs comes from here:
 * `import { task, workflow, run } from "taskcell"`.
 */
export * from '@taskcell/core';
