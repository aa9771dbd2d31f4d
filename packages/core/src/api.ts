import { OptionError } from './errors';
import { Runner } from './runner';
import type { IResult, IRunOptions } from './runner';
import { registerBuiltinFormats } from './formats/builtins';
import { javascriptMode } from './modes/javascript';
import { workflowMode } from './modes/workflow';
import { pythonMode } from './modes/python';
import { rMode } from './modes/r';
import { inlineMode } from './io/inline';
import { localMode } from './io/local';
import { httpMode } from './io/http';
import { mongodbMode } from './io/mongodb';
import { girderMode } from './io/girder';
import { isBinding } from './io/bindings';
import { toSpec } from './builders';
import { runRecorder } from './runs/recorder';
import type { ITaskLike, Task, PortValues } from './builders';
import type { IBinding, ITaskSpec, TaskJSON } from './spec';

/** Extra built-ins that register themselves on every new runner (formats, modes from other files). */
const installers: Array<(runner: Runner) => void> = [];

/** Add something every runner made by `createRunner` gets (and the default runner, if made later). */
export function addBuiltin(install: (runner: Runner) => void): void {
  installers.push(install);
  if (defaultRunner) install(defaultRunner);
}

/** A runner with every built-in type, format, mode and io mode registered. */
export function createRunner(options: Runner.IOptions = {}): Runner {
  const runner = new Runner(options);
  registerBuiltinFormats(runner.formats);
  runner.modes.register(javascriptMode);
  runner.modes.register(workflowMode);
  runner.modes.register(pythonMode);
  runner.modes.register(rMode);
  runner.io.register(inlineMode);
  runner.io.register(localMode);
  runner.io.register(httpMode);
  runner.io.register(mongodbMode);
  runner.io.register(girderMode);
  for (const install of installers) install(runner);
  return runner;
}

let defaultRunner: Runner | undefined;

/** The runner `run()` uses. */
export function getRunner(): Runner {
  return (defaultRunner ??= createRunner());
}

/** Replace the runner `run()` uses (tests, the kernel); returns the previous one. */
export function setRunner(runner: Runner): Runner | undefined {
  const prev = defaultRunner;
  defaultRunner = runner;
  return prev;
}

const OPTION_KEYS = new Set([
  'signal',
  'timeout',
  'cache',
  'on',
  'onEvent',
  'outputs',
  'validate',
  'autoConvert',
  'cleanup',
  'concurrency',
  'jobId',
]);

type Inputs<T> =
  T extends Task<infer I, unknown> ? Partial<{ [K in keyof PortValues<I>]: PortValues<I>[K] | IBinding }> : Record<string, unknown>;
type Outputs<T> = T extends Task<unknown, infer O> ? PortValues<O> : Record<string, unknown>;

/**
 * Run a task or workflow and wait for its result.
 *
 * `run(task, inputs)`, `run(task, inputs, {on, signal, timeout, cache})`, or Girder Worker's
 * `run(task, inputs, outputs, options)`. Inputs are bindings (`{format, data}`, `{url}`,
 * `{mode: "local", path}`) or bare values in each port's format. The third argument is output
 * bindings when every value is a binding, and options otherwise.
 */
export function run<T extends ITaskLike | ITaskSpec | TaskJSON>(
  task: T,
  inputs?: Inputs<T>,
  outputsOrOptions?: Record<string, IBinding> | IRunOptions,
  options?: IRunOptions,
): Promise<IResult<Outputs<T>>> {
  let opts: IRunOptions = options ?? {};
  if (outputsOrOptions !== undefined) {
    if (options !== undefined || Private.isOutputs(outputsOrOptions)) {
      if (!Private.isOutputs(outputsOrOptions) && Object.keys(outputsOrOptions).length > 0) {
        throw new OptionError(
          'run(task, inputs, outputs, options): the third argument must be output bindings when options are given fourth',
          {},
        );
      }
      opts = { ...opts, outputs: outputsOrOptions as Record<string, IBinding> };
    } else opts = outputsOrOptions as IRunOptions;
  }
  try {
    const spec = toSpec(task);
    const runner = getRunner();
    const values = (inputs ?? {}) as Record<string, unknown>;
    const recorder = runRecorder();
    if (recorder) return recorder.track(runner, spec, values, opts, (o) => runner.execute(spec, values, o)) as Promise<IResult<Outputs<T>>>;
    return runner.execute(spec, values, opts) as Promise<IResult<Outputs<T>>>;
  } catch (err) {
    return Promise.reject(err);
  }
}

namespace Private {
  export function isOutputs(v: object): boolean {
    const entries = Object.entries(v);
    if (entries.length === 0) return false;
    if (entries.every(([k]) => OPTION_KEYS.has(k)) && !entries.every(([, b]) => isBinding(b))) return false;
    return entries.every(([, b]) => isBinding(b) || (b !== null && typeof b === 'object' && 'format' in b && !(b instanceof AbortSignal)));
  }
}
