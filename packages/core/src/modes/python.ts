import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Job } from '../job';
import type { ITaskSpec } from '../spec';
import type { IMode } from './registry';
import { InterpreterPool, WarmInterpreter, convertIn, encodeForWire, interpreterMode } from './warm-interpreter';

/** The Python side, shipped with the package (`python/taskcell_python.py`). */
const RUNNER = join(__dirname, '..', '..', 'python', 'taskcell_python.py');

/**
 * `python`: Girder Worker's python mode. The script runs in a Python 3 interpreter kept warm
 * between jobs (one per job running at once): each input is a variable, each output is read back
 * from the script's scope; what it prints becomes the job's log, line by line, as it prints it; an
 * exception becomes a TaskError carrying the Python traceback; cancelling kills the interpreter.
 *
 * The interpreter is `$TASKCELL_PYTHON`, else the nearest `.venv/bin/python` up from the working
 * directory (the project venv), else `python3`. Ports in the `networkx` and `pil` formats cross as
 * taskcell's graph and image values and become networkx graphs and PIL images on the Python side;
 * ports in `pickle` and `pickle.base64` are unpickled into the object itself (and pickled on the way
 * out), and `netcdf`/`dataset` ports open as netCDF4 datasets.
 *
 * Streaming ports are line streams: a `stream: true` input fed by a running step is an iterator in
 * the script (`for line in lines:`), its items written into the interpreter's stdin as the script
 * reads, held back by the pipe when it does not; a `stream: true` output set to an iterable (a
 * generator) sends each item as it is made, and the interpreter waits while its reader is behind.
 * A whole text given to a streaming input is iterated by lines.
 *
 * Girder Worker's `write_script: 1` on a task writes its script to a file in the job's folder before
 * it runs (the job log names the file), and the script runs under that file name, so tracebacks
 * and debuggers point at it.
 */
export const pythonMode: IMode = interpreterMode({
  name: 'python',
  language: 'Python',
  // Read when a job runs: the namespace below is filled after this module-level constant.
  pool: () => Private.pool,
  interpreter: () => Private.interpreter(),
  request(task, inputs, job) {
    const magic: Record<string, unknown> = {};
    if (/\b_tempdir\b/.test(task.script ?? '') || task.outputs.some((o) => o.id === '_tempdir')) magic._tempdir = job.tempdir;
    const filename = task.source.write_script ? Private.writeScript(task, job) : undefined;
    return { values: encodeForWire(inputs), magic, filename };
  },
  streams: true,
});

/** Stop every warm interpreter (they also end with the process). */
export function closePythonInterpreters(): void {
  Private.pool.closeAll();
}

/**
 * Convert a value between two formats of a type on the Python side (pickles: `python`/`object` to
 * `pickle` and back), in a warm interpreter of the pool the python mode uses.
 */
export function convertInPython(type: string, from: string, to: string, value: unknown): Promise<unknown> {
  return convertIn(Private.pool, 'Python', { type, from, to, value: encodeForWire(value) });
}

namespace Private {
  /** Write a task's script into its job's folder (`write_script`); the file's path. */
  export function writeScript(task: ITaskSpec, job: Job): string {
    const file = join(job.tempdir, `${(task.name ?? 'script').replace(/[^\w.-]/g, '_')}.py`);
    writeFileSync(file, task.script ?? '');
    job.writeLog('log', `taskcell: the script of task "${task.name ?? '(unnamed)'}" is written to ${file} (write_script)`);
    return file;
  }

  /** The interpreter to use. */
  export function interpreter(): string {
    if (process.env.TASKCELL_PYTHON) return process.env.TASKCELL_PYTHON;
    for (let dir = process.cwd(); ; dir = dirname(dir)) {
      const candidate = join(dir, '.venv', 'bin', 'python');
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) return 'python3';
    }
  }

  export const pool = new InterpreterPool(
    interpreter,
    (python) =>
      new WarmInterpreter({
        program: python,
        args: ['-u', RUNNER],
        language: 'Python',
        hint: 'set TASKCELL_PYTHON to a Python 3',
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
        endMark: '\u0000taskcell-end',
      }),
  );
}
