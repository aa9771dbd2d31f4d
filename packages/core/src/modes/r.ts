import { join } from 'node:path';
import type { IMode } from './registry';
import { InterpreterPool, WarmInterpreter, convertIn, encodeForWire, interpreterMode } from './warm-interpreter';

/** The R side, shipped with the package (`r/taskcell_r.R`). */
const DRIVER = join(__dirname, '..', '..', 'r', 'taskcell_r.R');

/** The formats whose values are R's own serialization bytes, made and read only by R. */
export const R_FORMATS: ReadonlyArray<readonly [type: string, format: string]> = [
  ['r', 'object'],
  ['table', 'r.dataframe'],
  ['tree', 'r.apetree'],
];

/**
 * `r`: Girder Worker's r mode. The script runs in an R process kept warm between jobs (one per job
 * running at once) with Girder Worker's clean slate: an empty global environment in which each
 * input is a variable, and from which each output is read back; packages the script attaches are
 * detached after it. Values in R formats (`r/object`, `table/r.dataframe`, `tree/r.apetree`) are
 * R's serialization bytes and become the R objects themselves; other values cross as JSON
 * (jsonlite), a length-one vector coming back as a scalar except on list types. What the script
 * prints becomes the job's log, line by line; `progress(current, total, message)` reports
 * progress; an R error becomes a TaskError with the R calls that led to it; cancelling kills the
 * process.
 *
 * The interpreter is `$TASKCELL_RSCRIPT`, else `Rscript` (R from Debian's `r-base-core`; the R
 * formats need the R packages `jsonlite` and, for trees, `ape`).
 */
export const rMode: IMode = interpreterMode({
  name: 'r',
  language: 'R',
  // Read when a job runs: the namespace below is filled after this module-level constant.
  pool: () => Private.pool,
  interpreter: () => Private.interpreter(),
  request(task, inputs, job) {
    const values = Object.fromEntries(
      task.inputs.map((port) => [
        port.id,
        port.target === 'filepath' ? JSON.stringify(inputs[port.id]) : Private.wireValue(port.type, port.format, inputs[port.id]),
      ]),
    );
    // Girder Worker's r mode gives the script its temp directory as `tempdir`.
    return { values, magic: /\btempdir\b/.test(task.script ?? '') ? { tempdir: job.tempdir } : {} };
  },
});

/**
 * Convert a value between two formats of a type inside R, in a warm R process of the pool the r
 * mode uses (`tree` from `newick` to `r.apetree`, `r` from `object` to `serialized`...). Formats
 * R alone knows here: `printed` (what R's print() shows of the value) and, for trees, `ape.parts`
 * (the components of ape's phylo object, as JSON).
 */
export function convertInR(type: string, from: string, to: string, value: unknown): Promise<unknown> {
  return convertIn(Private.pool, 'R', { type, from, to, value: Private.wireValue(type, from, value) });
}

/** Stop every warm R process (they also end with the process). */
export function closeRInterpreters(): void {
  Private.pool.closeAll();
}

namespace Private {
  /** The interpreter to use. */
  export function interpreter(): string {
    return process.env.TASKCELL_RSCRIPT || 'Rscript';
  }

  /** A value as the driver reads it: bytes in R formats, JSON text otherwise. */
  export function wireValue(type: string, format: string, value: unknown): unknown {
    return R_FORMATS.some(([t, f]) => t === type && f === format) ? encodeForWire(value) : JSON.stringify(encodeForWire(value) ?? null);
  }

  export const pool = new InterpreterPool(
    interpreter,
    (rscript) =>
      new WarmInterpreter({
        program: rscript,
        args: ['--vanilla', DRIVER],
        language: 'R',
        hint: "install R (Debian's r-base-core, r-cran-jsonlite, r-cran-ape) or set TASKCELL_RSCRIPT to an Rscript",
        endMark: '\u0001taskcell-end',
      }),
  );
}
