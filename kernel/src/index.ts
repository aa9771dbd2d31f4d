/**
 * taskcell: the cell-facing API. Everything a notebook cell needs comes from here:
 * `import { task, workflow, run } from "taskcell"`.
 */
import { addBuiltin } from '@taskcell/core';
import { registerDockerMode } from '@taskcell/docker';

export * from '@taskcell/core';

// Every runner gets the docker mode; core itself knows nothing of Docker.
addBuiltin(registerDockerMode);
