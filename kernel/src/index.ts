/**
 * taskcell: the cell-facing API. Everything a notebook cell needs comes from here:
 * `import { task, workflow, run, display } from "taskcell"`.
 */
import './builtins';

export * from '@taskcell/core';
export { registerTaskcellBuiltins } from './builtins';
// Shadows core's run: the same run, with job cards in the notebook.
export { run, config } from './run';
export type { IKernelRunOptions, ITaskcellConfig } from './run';
export { display, newDisplay, bundleOf, inspectValue } from './display';
export type { IDisplay, IDisplayHandle } from './display';
export { prompt, password } from './prompt';
export { form, formOfJob, formTasks, runForm } from './task-form';
export type { IFormTask, IFormTaskList, ITaskForm } from './task-form';
export { exportTask } from './export';
export type { IExported, IExportOptions } from './export';
export { leaderboard, leaderboardChart, leaderboardTable } from '@taskcell/display';
export { runsView } from './runs-view';
// Shadows core's map: the same map, with its result shown as a table.
export { map } from './map';
export type { ILeaderboard, ILeaderboardInput } from '@taskcell/display';
