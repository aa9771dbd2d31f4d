import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SpecError } from '../errors';
import type { Job } from '../job';
import type { IPortSpec, ITaskSpec } from '../spec';
import type { IMode } from './registry';
import { InterpreterPool, WarmInterpreter, convertIn, decodeFromWire, encodeForWire, interpreterError } from './warm-interpreter';

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
 * taskcell's graph and image values and become networkx graphs and PIL images on the Python side.
 */
export const pythonMode: IMode = {
  name: 'python',

  check(task) {
    if (typeof task.script !== 'string') {
      throw new SpecError(`Task "${task.name ?? '(unnamed)'}" in mode python needs a "script" (or a "script_uri" read by loadTask)`, {
        task: task.name,
        path: 'script',
      });
    }
  },

  execute(task, inputs, { job }) {
    return Private.pool.use((p) => Private.run(p, task, inputs, job));
  },

  cacheIdentity(task) {
    return { code: `python:${task.script ?? ''}` };
  },

  place() {
    return { kind: 'python', name: Private.interpreter() };
  },
};

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
  /** The interpreter to use. */
  export function interpreter(): string {
    if (process.env.TASKCELL_PYTHON) return process.env.TASKCELL_PYTHON;
    for (let dir = process.cwd(); ; dir = dirname(dir)) {
      const candidate = join(dir, '.venv', 'bin', 'python');
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) return 'python3';
    }
  }

  function ports(list: IPortSpec[]) {
    return list.map((p) => ({ id: p.id, type: p.type, format: p.format, target: p.target }));
  }

  /** Run one task in a warm interpreter. */
  export async function run(
    p: WarmInterpreter,
    task: ITaskSpec,
    inputs: Record<string, unknown>,
    job: Job,
  ): Promise<Record<string, unknown>> {
    const magic: Record<string, unknown> = {};
    if (/\b_tempdir\b/.test(task.script ?? '') || task.outputs.some((o) => o.id === '_tempdir')) magic._tempdir = job.tempdir;
    const reply = await p.request(
      {
        name: task.name,
        script: task.script,
        inputs: ports(task.inputs),
        outputs: ports(task.outputs),
        values: encodeForWire(inputs),
        magic,
      },
      job,
    );
    if (reply.error) throw interpreterError('Python', reply.error, task.name);
    return decodeFromWire(reply.outputs) as Record<string, unknown>;
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
