import { parseArgs } from 'node:util';
import { OptionError, StoreError, compareRuns, defaultRunsPath, runRecord, runs } from '@taskcell/core';
import type { IRunRecord, JobState } from '@taskcell/core';

const HELP = `usage: taskcell runs list [--task NAME] [--state STATE] [--since WHEN] [--parent ID] [--limit N] [--json]
       taskcell runs show ID
       taskcell runs compare ID ID
       (each takes --db FILE; default $TASKCELL_RUNS_DB, else .taskcell/runs.db)

Every task, workflow and batch run by taskcell run, taskcell map and the kernel is recorded:
spec and code hashes, input hashes, outputs, state, timings, where it ran, notebook and cell.

  list      newest first, one run a line (with --json, one JSON record a line)
            --since takes an ISO date or an age such as 30m, 2h, 7d
  show      the whole record of one run, as JSON
  compare   two runs side by side, as JSON: same spec and code, each input and output with
            whether they differ, and the timings with their ratio`;

/** `taskcell runs`. */
export async function runsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      task: { type: 'string' },
      state: { type: 'string' },
      since: { type: 'string' },
      parent: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [verb, ...ids] = positionals;
  const path = values.db ?? defaultRunsPath();
  const one = (id: string): IRunRecord => {
    const found = runRecord(id, path);
    if (!found) throw new StoreError(`No run with id ${id} in ${path}`, { path, job: id });
    return found;
  };
  switch (verb) {
    case 'list': {
      const query: Parameters<typeof runs>[0] = { path };
      if (values.task !== undefined) query.task = values.task;
      if (values.state !== undefined) query.state = values.state.toUpperCase() as JobState;
      if (values.parent !== undefined) query.parentId = values.parent;
      if (values.since !== undefined) query.since = Private.since(values.since);
      if (values.limit !== undefined) query.limit = Private.limit(values.limit);
      for (const r of runs(query)) process.stdout.write(`${values.json ? JSON.stringify(r) : Private.line(r)}\n`);
      return 0;
    }
    case 'show':
      if (ids.length !== 1) throw new OptionError(`taskcell runs show takes one run id, got ${ids.length}`, {});
      process.stdout.write(`${JSON.stringify(one(ids[0]), null, 2)}\n`);
      return 0;
    case 'compare':
      if (ids.length !== 2) throw new OptionError(`taskcell runs compare takes two run ids, got ${ids.length}`, {});
      process.stdout.write(`${JSON.stringify(compareRuns(one(ids[0]), one(ids[1])), null, 2)}\n`);
      return 0;
    default:
      throw new OptionError(
        `taskcell runs expects list, show or compare, got ${verb === undefined ? 'nothing' : `"${verb}"`}\n\n${HELP}`,
        {},
      );
  }
}

namespace Private {
  /** `--since`: an ISO date, or an age (`90s`, `30m`, `2h`, `7d`) before now. */
  export function since(text: string): number {
    const age = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text);
    if (age) return Date.now() - Number(age[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[age[2] as 's' | 'm' | 'h' | 'd'];
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new OptionError(`Expected --since to be an ISO date or an age such as 30m, 2h, 7d, got \`${text}\``, {});
    return t;
  }

  export function limit(text: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new OptionError(`Expected --limit to be an integer >= 1, got \`${text}\``, {});
    return n;
  }

  /** id, kind, task (step), state, place, elapsed, start time. */
  export function line(r: IRunRecord): string {
    const place = r.place ? [r.place.kind, r.place.name].filter(Boolean).join(':') : '-';
    const what = `${r.task ?? '-'}${r.step !== undefined ? ` [${r.step}]` : ''}`;
    const elapsed = r.elapsed === undefined ? '-' : `${r.elapsed} ms`;
    return [r.id, r.kind ?? '-', what, r.state, place, elapsed, new Date(r.started).toISOString()].join('\t');
  }
}
