/**
 * taskcell: the cell-facing API. Everything a notebook cell needs comes from here:
 * `import { task, workflow, run, display } from "taskcell"`.
 */
import { addBuiltin } from '@taskcell/core';
import { registerDockerMode } from '@taskcell/docker';

export * from '@taskcell/core';
export { display, newDisplay, bundleOf, inspectValue } from './display';
export type { IDisplay, IDisplayHandle } from './display';
export { prompt, password } from './prompt';

// Every runner gets the docker mode; core itself knows nothing of Docker.
addBuiltin(registerDockerMode);
