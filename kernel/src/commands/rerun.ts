// The docker mode and the pools, for `--on WHERE` and docker tasks.
import '../builtins';
import { parseArgs } from 'node:util';
import { OptionError, parseTask, restoreSecrets, runRecord } from '@taskcell/core';
import type { IBinding, IRunOptions, IRunRecord } from '@taskcell/core';
import { removeDeadRunContainersAtStart } from '@taskcell/docker';
import { runAndPrint, runArgs } from './run';

const HELP = `usage: taskcell rerun RUN_ID [--local | --on WHERE] [--cache] [--keep [on-failure]] [--events]

Runs a recorded run again (\`taskcell runs list\` gives the ids) from its record: the spec it ran
and the inputs it was given. The record keeps secret environment variables of the spec (names with
secret, token, passw, key, auth, ...) as ***: their values come from this environment, and the
rerun fails before it starts, naming them, when they are not set. It runs in this process (--local, the default), or where --on says;
a run that failed on a remote worker fails here the same way, with the same error code, where it
can be looked into (--keep keeps the working directory of the job that fails, and prints where).

  --local       run in this process (the default)
  --on WHERE    run there instead (threads, redis://host:port)
  --cache       let the result cache serve it (by default it runs for real)
  --keep [on-failure]  keep the working directory of a job that fails, and print where it is
  --events      write every job event as a JSON line on stderr

The run database is $TASKCELL_RUNS_DB, else .taskcell/runs.db. Exit codes as taskcell run's.`;

/** `taskcell rerun RUN_ID [--local]`. */
export async function rerunCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: runArgs.keepArg(argv),
    allowPositionals: true,
    options: {
      local: { type: 'boolean' },
      on: { type: 'string' },
      cache: { type: 'boolean' },
      keep: { type: 'boolean' },
      events: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new OptionError(`taskcell rerun takes one RUN_ID, got ${positionals.length ? positionals.join(' ') : 'none'}\n\n${HELP}`, {});
  }
  if (values.local && values.on !== undefined) throw new OptionError('taskcell rerun takes --local or --on WHERE, not both', {});
  const record = runRecord(positionals[0]);
  if (!record) {
    throw new OptionError(`No recorded run "${positionals[0]}" in the run database; expected an id that taskcell runs list shows`, {
      run: positionals[0],
    });
  }
  const { spec, inputs } = Private.fromRecord(record);
  const cleaned = removeDeadRunContainersAtStart();
  const options: IRunOptions = {};
  if (values.on !== undefined) options.on = values.on;
  if (!values.cache) options.cache = false;
  if (values.keep) options.keep = 'on-failure';
  const where = values.on ?? 'this process';
  const was = `${record.state}${record.place ? ` on ${record.place.kind}${record.place.name ? `:${record.place.name}` : ''}` : ''}`;
  process.stderr.write(`taskcell: running again run ${record.id} (${record.task ?? 'task'}, ${was}) in ${where}\n`);
  await cleaned;
  return runAndPrint(spec, inputs, options, values.events === true);
}

namespace Private {
  /** The spec and the inputs a record kept, or an error naming what it lacks. */
  export function fromRecord(record: IRunRecord): { spec: ReturnType<typeof parseTask>; inputs: Record<string, IBinding> } {
    if (!record.spec) {
      throw new OptionError(
        `Run ${record.id} has no spec in its record (a step of a workflow, or a run recorded before specs were kept): rerun the run it belongs to${record.parentId ? ` (${record.parentId})` : ''}`,
        { run: record.id },
      );
    }
    const spec = parseTask(restoreSecrets(record.spec, record.id));
    const kept = record.inputs ?? {};
    const missing = Object.keys(record.inputHashes ?? {}).filter((id) => !(id in kept));
    if (missing.length) {
      throw new OptionError(
        `Run ${record.id} was given input(s) ${missing.join(', ')} too large to keep in its record; run its spec with those inputs instead (taskcell run SPEC --input ...)`,
        { run: record.id },
      );
    }
    const inputs: Record<string, IBinding> = {};
    for (const [id, v] of Object.entries(kept)) {
      inputs[id] = runArgs.inputBinding(spec, id, JSON.stringify(v));
    }
    return { spec, inputs };
  }
}
