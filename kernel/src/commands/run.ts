// The docker mode and the pools, for `--on threads` and docker tasks.
import '../builtins';
import { parseArgs } from 'node:util';
import { extname, resolve } from 'node:path';
import {
  ConversionError,
  JsonTooLongError,
  OptionError,
  breakTasksOnSigint,
  getRunner,
  loadTask,
  parseTask,
  recordRunsIfEnabled,
  run,
  stringifyJson,
  TaskcellError,
} from '@taskcell/core';
import { allowHostAccess, removeDeadRunContainersAtStart } from '@taskcell/docker';
import type { IBinding, IJobEvent, IPortSpec, IRunOptions, ITaskSpec } from '@taskcell/core';

const HELP = `usage: taskcell run SPEC.json [--input ID=JSON | ID=@FILE]... [--output ID=BINDING_JSON]...
                    [--on WHERE] [--no-cache] [--timeout MS] [--events] [--allow-host-access]
                    [--from STEP | --only STEP...] [--keep [on-failure]]

Runs a task or workflow spec (Girder Worker JSON; a script_uri is read relative to the spec)
and prints its outputs as JSON on stdout: {"port": {"format": ..., "data": ...}, ...}.

  --input ID=JSON     bind input ID to a value (JSON; text that is not JSON is taken as a string),
                      or to a binding object such as {"format":"csv","data":"a,b\\n1,2\\n"} or {"url":"..."}
  --input ID=@FILE    bind input ID to a local file; its format comes from the file extension when
                      the port's type has a format with that extension, else the port's own format
                      (a directory port gets the path itself: a zip or tgz archive, or a directory)
  --output ID=JSON    bind output ID, e.g. {"mode":"local","path":"out.csv","format":"csv"}
  --on WHERE          where to run (default in-process)
  --no-cache          neither read nor write the result cache
  --timeout MS        fail the job after MS milliseconds
  --events            write every job event as a JSON line on stderr
  --from STEP         workflows: run STEP and every step downstream of it; the steps they need are
                      served from the run records (or the result cache) of an earlier run with the
                      same inputs, or the run fails naming the step that cannot be served
  --only STEP         workflows: run just this step (repeat for more), serving the others likewise
  --keep [on-failure] keep the working directory of a job that fails, and print where it is
  --allow-host-access trusted specs only: let docker tasks mount host paths, the Docker socket, add
                      capabilities, use host namespaces and devices (refused by default; see
                      README, Security; TASKCELL_DOCKER_POLICY=FILE names a policy file instead)

Containers left by runs that died (a SIGKILLed taskcell run) are removed when the next one starts.

Exit codes: 0 success, 1 the job failed (the typed error is on stderr), 2 bad arguments,
130 cancelled (Ctrl-C).`;

/** `taskcell run`. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Private.keepArg(argv),
    allowPositionals: true,
    options: {
      input: { type: 'string', multiple: true, short: 'i' },
      output: { type: 'string', multiple: true, short: 'o' },
      on: { type: 'string' },
      'no-cache': { type: 'boolean' },
      timeout: { type: 'string' },
      events: { type: 'boolean' },
      'allow-host-access': { type: 'boolean' },
      from: { type: 'string' },
      only: { type: 'string', multiple: true },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const path = Private.specPath('run', HELP, values.help, positionals);
  if (path === undefined) return 0;
  const timeout = values.timeout === undefined ? undefined : Private.timeout(values.timeout);
  if (values['allow-host-access']) allowHostAccess();
  // Containers of earlier runs that were killed before they could remove them.
  const cleaned = removeDeadRunContainersAtStart();
  const spec = parseTask(await loadTask(path));
  const inputs = Private.inputBindings(spec, values.input);
  const outputs: Record<string, IBinding> = {};
  for (const arg of values.output ?? []) {
    const [id, value] = Private.pair(arg, '--output');
    const b = Private.json(value, `--output ${id}`);
    if (b === null || typeof b !== 'object' || Array.isArray(b)) {
      throw new OptionError(`--output ${id} must be a binding object such as {"mode":"local","path":"out.csv"}, got ${value}`, {
        port: id,
      });
    }
    outputs[id] = b as IBinding;
  }
  const options: IRunOptions = { outputs };
  if (values.on) options.on = values.on;
  if (values['no-cache']) options.cache = false;
  if (timeout !== undefined) options.timeout = timeout;
  if (values.from !== undefined) options.from = values.from;
  if (values.only !== undefined) options.only = values.only;
  if (values.keep) options.keep = 'on-failure';
  await cleaned;
  return runAndPrint(spec, inputs, options, values.events === true);
}

/**
 * Run `spec` as `taskcell run` does: recorded, cancelled by Ctrl-C, its outputs printed as JSON;
 * with `keep`, the working directories a failure kept are named on stderr. Resolves to the exit
 * code; a failure rejects with the typed error.
 */
export async function runAndPrint(
  spec: ITaskSpec,
  inputs: Record<string, IBinding>,
  options: IRunOptions,
  events: boolean,
): Promise<number> {
  recordRunsIfEnabled(getRunner());
  const controller = new AbortController();
  // A task's loop on this thread would keep the listener below from ever running.
  breakTasksOnSigint();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  options.signal = controller.signal;
  const progress = Private.progressLine(events);
  if (progress) options.onEvent = progress;
  try {
    const result = await run(spec, inputs, options).catch((err: unknown) => {
      if (options.keep)
        for (const dir of keptWorkdirs(err)) process.stderr.write(`taskcell: kept the working directory of the failed job: ${dir}\n`);
      throw err;
    });
    let text: string | undefined;
    try {
      text = stringifyJson(result.outputs, Private.replacer, 2);
    } catch (err) {
      if (!(err instanceof JsonTooLongError)) throw err;
      throw new ConversionError(
        `The outputs are too large to print as JSON (${err.message}); bind them to files instead: --output ID='{"mode":"local","path":"FILE"}'`,
        { task: spec.name },
      );
    }
    process.stdout.write(`${text}\n`);
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (process.stderr.isTTY && !events) process.stderr.write('\r\x1b[K');
  }
}

/** The working directories a failure kept (`context.workdir`), a workflow's failed steps' included. */
export function keptWorkdirs(err: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [err instanceof TaskcellError ? err.toJSON() : err];
  while (stack.length) {
    const e = stack.pop() as { context?: { workdir?: unknown; failed?: Array<{ error?: unknown }> }; cause?: unknown } | undefined;
    if (!e || typeof e !== 'object') continue;
    if (typeof e.context?.workdir === 'string' && !out.includes(e.context.workdir)) out.push(e.context.workdir);
    for (const f of e.context?.failed ?? []) stack.push(f.error);
    stack.push(e.cause);
  }
  return out;
}

namespace Private {
  /** The one SPEC.json of `taskcell COMMAND`, or undefined once the help it asked for is printed. */
  export function specPath(command: string, help: string, asked: boolean | undefined, positionals: string[]): string | undefined {
    if (asked) {
      process.stdout.write(`${help}\n`);
      return undefined;
    }
    if (positionals.length !== 1) {
      throw new OptionError(
        `taskcell ${command} takes one SPEC.json, got ${positionals.length ? positionals.join(' ') : 'none'}\n\n${help}`,
        {},
      );
    }
    return positionals[0];
  }

  /** The `--input ID=...` arguments as bindings of `spec`'s inputs. */
  export function inputBindings(spec: ITaskSpec, args: string[] | undefined): Record<string, IBinding> {
    const inputs: Record<string, IBinding> = {};
    for (const arg of args ?? []) {
      const [id, value] = pair(arg, '--input');
      inputs[id] = inputBinding(spec, id, value);
    }
    return inputs;
  }

  /** `--timeout MS`: a number of milliseconds > 0. */
  /**
   * `--keep` takes an optional `on-failure` (its only value so far): `--keep on-failure` and
   * `--keep=on-failure` become the plain switch; any other value is an OptionError.
   */
  export function keepArg(argv: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a.startsWith('--keep=')) {
        const v = a.slice('--keep='.length);
        if (v !== 'on-failure') throw new OptionError(`Expected --keep or --keep on-failure, got --keep=${v}`, { option: 'keep' });
        out.push('--keep');
      } else {
        out.push(a);
        if (a === '--keep' && argv[i + 1] === 'on-failure') i++;
      }
    }
    return out;
  }

  export function timeout(text: string): number {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new OptionError(`Expected --timeout to be a number of milliseconds > 0, got \`${text}\``, { option: 'timeout' });
    }
    return n;
  }

  export function pair(arg: string, flag: string): [string, string] {
    const i = arg.indexOf('=');
    if (i <= 0) throw new OptionError(`${flag} expects ID=VALUE, got ${JSON.stringify(arg)}`, {});
    return [arg.slice(0, i), arg.slice(i + 1)];
  }

  export function json(text: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new OptionError(`${what} is not valid JSON: ${(err as Error).message}`, {});
    }
  }

  export function inputBinding(spec: ITaskSpec, id: string, value: string): IBinding {
    const port = spec.inputs.find((p) => p.id === id);
    if (!port) {
      throw new OptionError(
        `--input ${id}: the task has no input "${id}"; its inputs are: ${spec.inputs.map((p) => p.id).join(', ') || 'none'}`,
        {
          port: id,
        },
      );
    }
    if (value.startsWith('@')) {
      const path = value.slice(1);
      // A directory's formats are paths (of an archive or a directory): the file is the value, not its content.
      if (port.type === 'directory') return { format: formatForFile(port, path), data: resolve(path) };
      return { mode: 'local', path, format: formatForFile(port, path) };
    }
    let data: unknown;
    try {
      data = JSON.parse(value);
    } catch {
      data = value;
    }
    if (
      data !== null &&
      typeof data === 'object' &&
      !Array.isArray(data) &&
      ('data' in data || 'url' in data || 'mode' in data || 'path' in data)
    ) {
      return data as IBinding;
    }
    return { format: port.format, data };
  }

  /** The format of the port's type whose extensions include the file's, else the port's format. */
  function formatForFile(port: IPortSpec, path: string): string {
    const ext = extname(path).slice(1).toLowerCase();
    const formats = getRunner().formats;
    if (!ext || !formats.hasType(port.type)) return port.format;
    if (formats.hasFormat(port.type, port.format) && formats.format(port.type, port.format).extensions?.includes(ext)) return port.format;
    for (const f of formats.formats(port.type)) if (formats.format(port.type, f).extensions?.includes(ext)) return f;
    return port.format;
  }

  /** Buffers print as base64 rather than as arrays of numbers. */
  export function replacer(_key: string, v: unknown): unknown {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { encoding: 'base64', bytes: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  }

  /** With --events, every event as a JSON line; on a terminal, one progress line kept up to date. */
  export function progressLine(events: boolean): ((e: IJobEvent) => void) | undefined {
    if (events) return (e) => process.stderr.write(`${JSON.stringify(e)}\n`);
    if (!process.stderr.isTTY) return undefined;
    return (e) => {
      const what = e.step !== undefined ? `step ${e.step}` : (e.task ?? 'job');
      const p = e.progress ?? undefined;
      const detail = p ? `${Math.round((100 * p.current) / (p.total || 1))}%${p.message ? ` ${p.message}` : ''}` : (e.state ?? '');
      process.stderr.write(`\r\x1b[K${what}: ${detail}`.slice(0, (process.stderr.columns ?? 80) + 4));
    };
  }
}

/** The argument helpers `taskcell map` shares with `taskcell run`. */
export const runArgs = {
  specPath: Private.specPath,
  inputBindings: Private.inputBindings,
  pair: Private.pair,
  inputBinding: Private.inputBinding,
  timeout: Private.timeout,
  replacer: Private.replacer,
  progressLine: Private.progressLine,
  keepArg: Private.keepArg,
};
