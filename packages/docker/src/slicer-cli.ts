import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MissingOutputError, SLICER_KINDS, ValidationError, parseTask, portToJSON, slicerJsonToTask, slicerToTask } from '@taskcell/core';
import type { IMode, IPortSpec, ISlicerParameter, ITaskSpec } from '@taskcell/core';
import type Docker from 'dockerode';
import { createDockerMode } from './docker-mode';
import type { DockerMode } from './docker-mode';
import { dockerRun } from './docker-run';
import { DATA_VOLUME } from './expand';
import { TaskSpecValidationError } from './errors';

/** Where the container writes its simple outputs (`--returnparameterfile`), in the data directory. */
export const RETURN_PARAMETER_FILE = '.slicer-returns';

/** One argument of a Slicer command line: literal text, or the container path of a file input. */
export type SlicerArg = { text: string } | { input: string };

/**
 * The command line of a Slicer CLI as slicer_cli_web builds it: the CLI's name; then each flagged
 * input that has a value (`--longflag` or `-flag`, then the value; a boolean is its bare flag when
 * true and absent when false; vectors and points comma-joined; a `multiple` parameter repeats its
 * flag per value); each flagged file output with its path in the data directory;
 * `--returnparameterfile` when the CLI has simple (non-file) outputs; and last the index
 * parameters in index order.
 */
export function slicerCommandLine(cli: string, task: ITaskSpec, values: Record<string, unknown>): SlicerArg[] {
  const args: SlicerArg[] = [{ text: cli }];
  const indexed: Array<[number, SlicerArg]> = [];
  let returns = false;
  for (const port of task.inputs) {
    const meta = slicerMeta(port, task);
    const v = values[port.id];
    if (v === undefined || v === null) continue;
    const file = SLICER_KINDS[meta.kind].file === true && port.target === 'filepath';
    const value = (x: unknown): SlicerArg => (file ? { input: port.id } : { text: Private.render(x, port, task) });
    if (meta.index !== undefined) {
      indexed.push([meta.index, value(v)]);
      continue;
    }
    const flag = Private.flag(meta, port, task);
    if (meta.kind === 'boolean') {
      if (v === true) args.push({ text: flag });
      continue;
    }
    const all = meta.multiple && Array.isArray(v) && !file ? v : [v];
    for (const x of all) args.push({ text: flag }, value(x));
  }
  for (const port of task.outputs) {
    const meta = slicerMeta(port, task);
    if (!SLICER_KINDS[meta.kind].file) {
      returns = true;
      continue;
    }
    const path = { text: `${DATA_VOLUME}/${outputFileName(port)}` };
    if (meta.index !== undefined) indexed.push([meta.index, path]);
    else args.push({ text: Private.flag(meta, port, task) }, path);
  }
  if (returns) args.push({ text: '--returnparameterfile' }, { text: `${DATA_VOLUME}/${RETURN_PARAMETER_FILE}` });
  indexed.sort((a, b) => a[0] - b[0]);
  return [...args, ...indexed.map(([, a]) => a)];
}

/** The file an output is written to in the data directory: its name and first file extension. */
export function outputFileName(port: IPortSpec): string {
  const ext = (port.source.slicer as ISlicerParameter | undefined)?.attributes?.fileExtensions?.split(',')[0]?.trim() ?? '';
  return `${port.id}${ext}`;
}

/** A port's Slicer description; a port without one cannot be put on a Slicer command line. */
export function slicerMeta(port: IPortSpec, task: ITaskSpec): ISlicerParameter {
  const meta = port.source.slicer as ISlicerParameter | undefined;
  if (!meta || typeof meta !== 'object' || !SLICER_KINDS[meta.kind]) {
    throw new TaskSpecValidationError(
      `Port "${port.id}" of Slicer task "${task.name ?? ''}" needs a "slicer" field with a parameter kind; got ${JSON.stringify(meta)}`,
      { task: task.name, port: port.id },
    );
  }
  return meta;
}

/**
 * Read a `--returnparameterfile` (`name = value` lines) into typed values of the task's simple
 * outputs: numbers, booleans, strings, and comma-separated lists of them.
 */
export function readReturnParameters(text: string, task: ITaskSpec): Record<string, unknown> {
  const raw = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) raw.set(m[1], m[2]);
  }
  const out: Record<string, unknown> = {};
  for (const port of task.outputs) {
    const meta = slicerMeta(port, task);
    const kind = SLICER_KINDS[meta.kind];
    if (kind.file) continue;
    const text = raw.get(port.id);
    if (text === undefined) continue;
    const one = (s: string): unknown => {
      if (kind.value === 'string' || kind.value === 'path') return s;
      if (kind.value === 'boolean') return s.toLowerCase() === 'true';
      const n = Number(s);
      if (s === '' || !Number.isFinite(n) || (kind.value === 'integer' && !Number.isInteger(n))) {
        throw new ValidationError(
          `Return parameter "${port.id}" of "${task.name ?? ''}" must be ${kind.value === 'integer' ? 'an integer' : 'a number'}, got "${s}"`,
          {
            task: task.name,
            port: port.id,
            type: port.type,
          },
        );
      }
      return n;
    };
    out[port.id] = kind.list ? text.split(',').map((s) => one(s.trim())) : one(text);
  }
  return out;
}

/**
 * The `slicer_cli` mode: a task read from Slicer XML whose `docker_image` holds the CLI (made by
 * `taskcell import`). It runs `IMAGE <slicer_cli> ARGS` through the docker mode, with the command line
 * slicer_cli_web would build (`slicerCommandLine`), and returns file outputs as files (read by their
 * type) and simple outputs from the return parameter file.
 */
export function createSlicerMode(options: DockerMode.IOptions = {}): IMode {
  const docker = createDockerMode(options);
  return {
    name: 'slicer_cli',

    check(task) {
      Private.docker(task, []);
    },

    place(task) {
      return { kind: 'container', name: String(task.source.docker_image) };
    },

    async execute(task, inputs, context) {
      const cli = Private.cli(task);
      const line = slicerCommandLine(cli, task, inputs);
      const values: Record<string, unknown> = { ...inputs };
      const containerArgs = line.map((a, i) => {
        if ('input' in a) return `$input{${a.input}}`;
        if (/\$(flag|output|input)\{/.test(a.text)) {
          throw new ValidationError(
            `A value of Slicer task "${task.name ?? cli}" holds "${a.text}", which the docker mode would expand; expected no $input{, $flag{ or $output{ in values`,
            {
              task: task.name,
            },
          );
        }
        values[`_arg${i}`] = a.text;
        return `$input{_arg${i}}`;
      });
      const files = task.outputs.filter((p) => SLICER_KINDS[slicerMeta(p, task).kind].file);
      const simple = files.length < task.outputs.length;
      const derived = Private.docker(task, containerArgs, line.length, files, simple);
      const produced = (await docker.execute(derived, values, { ...context, outputs: {} })) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const p of files) out[p.id] = produced[p.id];
      if (simple) {
        const returned = readReturnParameters(await readFile(String(produced[RETURN_PARAMETER_FILE]), 'utf8'), task);
        for (const p of task.outputs) {
          if (p.id in out) continue;
          if (!(p.id in returned)) {
            throw new MissingOutputError(`Slicer task "${task.name ?? cli}" wrote no "${p.id} = ..." line to its return parameter file`, {
              task: task.name,
              port: p.id,
            });
          }
          out[p.id] = returned[p.id];
        }
      }
      return out;
    },

    cacheIdentity(task) {
      return docker.cacheIdentity!(Private.docker(task, []));
    },
  };
}

/** The CLIs an image describes (slicer_cli_web's conventions), as task specs. */
export interface ISlicerImport {
  image: string;
  /** Task spec JSON by CLI name (mode `slicer_cli`, with `docker_image` and `slicer_cli`). */
  tasks: Record<string, Record<string, unknown>>;
}

/**
 * Ask an image for its CLIs: `IMAGE --list_cli` prints a JSON object (or list) of CLI names, and
 * `IMAGE <cli> --xml` prints each one's Slicer XML (or, when that fails, `IMAGE <cli> --json` its
 * slicer_cli_web JSON description). The XML becomes a task spec that runs in the
 * image (mode `slicer_cli`).
 */
export async function importSlicerImage(image: string, options: { docker?: Docker; pull?: boolean } = {}): Promise<ISlicerImport> {
  const run = async (args: string[]) => {
    const r = await dockerRun({ docker: options.docker, image, args, pull: options.pull ?? false, capture: true });
    if (r.exitCode !== 0) {
      throw new TaskSpecValidationError(
        `"${image} ${args.join(' ')}" exited with status ${r.exitCode}; expected 0. stderr: ${r.stderr.slice(0, 500)}`,
        {
          image,
        },
      );
    }
    return r.stdout;
  };
  const listed = await run(['--list_cli']);
  let names: string[];
  try {
    const parsed = JSON.parse(listed) as unknown;
    names = Array.isArray(parsed) ? parsed.map(String) : Object.keys(parsed as Record<string, unknown>);
  } catch (err) {
    throw new TaskSpecValidationError(
      `"${image} --list_cli" must print a JSON object or list of CLI names, got ${JSON.stringify(listed.slice(0, 200))}: ${(err as Error).message}`,
      {
        image,
      },
    );
  }
  const tasks: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const spec = await Private.describe(image, name, run);
    tasks[name] = { ...spec, name: spec.name ?? name, docker_image: image, slicer_cli: name, pull_image: options.pull ?? false };
  }
  return { image, tasks };
}

namespace Private {
  /** A CLI's description: its XML, or its JSON when `--xml` fails. */
  export async function describe(image: string, name: string, run: (args: string[]) => Promise<string>): Promise<Record<string, unknown>> {
    let xml: string;
    try {
      xml = await run([name, '--xml']);
    } catch (xmlError) {
      let json: string;
      try {
        json = await run([name, '--json']);
      } catch {
        throw xmlError;
      }
      const where = `"${image} ${name} --json"`;
      try {
        return slicerJsonToTask(JSON.parse(json) as unknown, where);
      } catch (err) {
        if (err instanceof SyntaxError) throw new TaskSpecValidationError(`${where} must print JSON: ${err.message}`, { image });
        throw err;
      }
    }
    return slicerToTask(xml, `"${image} ${name} --xml"`);
  }

  export function cli(task: ITaskSpec): string {
    const name = task.source.slicer_cli;
    if (typeof name !== 'string' || name === '') {
      throw new TaskSpecValidationError(
        `Slicer task "${task.name ?? ''}" needs a "slicer_cli" name (taskcell import IMAGE sets it), got ${JSON.stringify(name)}`,
        {
          task: task.name,
          path: 'slicer_cli',
        },
      );
    }
    return name;
  }

  const derivedSpecs = new WeakMap<ITaskSpec, Map<string, ITaskSpec>>();

  /** The docker task that runs a Slicer task with these container arguments. */
  export function docker(task: ITaskSpec, containerArgs: string[], argCount = 0, files: IPortSpec[] = [], simple = false): ITaskSpec {
    if (typeof task.source.docker_image !== 'string' || task.source.docker_image === '') {
      throw new TaskSpecValidationError(
        `Slicer task "${task.name ?? ''}" has no "docker_image"; a task read from Slicer XML runs once it names the image holding its CLI (taskcell import IMAGE)`,
        { task: task.name, path: 'docker_image' },
      );
    }
    cli(task);
    const key = JSON.stringify([containerArgs, argCount]);
    const cached = derivedSpecs.get(task)?.get(key);
    if (cached) return cached;
    const args = Array.from({ length: argCount }, (_, i) => ({ id: `_arg${i}`, type: 'string', format: 'text' }));
    const outputs: Array<Record<string, unknown>> = files.map((p) => ({ ...portToJSON(p), path: join(DATA_VOLUME, outputFileName(p)) }));
    if (simple)
      outputs.push({
        id: RETURN_PARAMETER_FILE,
        type: 'string',
        format: 'text',
        target: 'filepath',
        path: join(DATA_VOLUME, RETURN_PARAMETER_FILE),
      });
    const spec = parseTask({
      mode: 'docker',
      name: task.name,
      docker_image: task.source.docker_image,
      pull_image: task.source.pull_image ?? false,
      container_args: containerArgs,
      inputs: [...task.inputs.map(portToJSON), ...args],
      outputs,
    });
    if (!derivedSpecs.has(task)) derivedSpecs.set(task, new Map());
    derivedSpecs.get(task)!.set(key, spec);
    return spec;
  }

  export function flag(meta: ISlicerParameter, port: IPortSpec, task: ITaskSpec): string {
    if (meta.longflag) return `--${meta.longflag.replace(/^-+/, '')}`;
    if (meta.flag) return `-${meta.flag.replace(/^-+/, '')}`;
    throw new TaskSpecValidationError(
      `Parameter "${port.id}" of Slicer task "${task.name ?? ''}" has neither an index nor a flag, so it cannot be passed`,
      {
        task: task.name,
        port: port.id,
      },
    );
  }

  export function render(v: unknown, port: IPortSpec, task: ITaskSpec): string {
    if (Array.isArray(v)) return v.map((x) => render(x, port, task)).join(',');
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new ValidationError(
      `Input "${port.id}" of Slicer task "${task.name ?? ''}" must be a number, boolean, string or list of them, got ${JSON.stringify(v)}`,
      {
        task: task.name,
        port: port.id,
        type: port.type,
      },
    );
  }
}
