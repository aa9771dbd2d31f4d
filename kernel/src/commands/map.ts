// The docker mode and the pools, for `--on threads` and docker tasks.
import '../builtins';
import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { OptionError, breakTasksOnSigint, getRunner, loadTask, mapOn, parseTask, recordRunsIfEnabled } from '@taskcell/core';
import type { Dataset, IMapItem, IMapOptions } from '@taskcell/core';
import { allowHostAccess } from '@taskcell/docker';
import { runArgs } from './run';

const HELP = `usage: taskcell map SPEC.json --over DIR|FILE.csv|FILE.tsv|FILE.jsonl [--glob GLOB] [--as INPUT_ID]
                    [--input ID=JSON | ID=@FILE]... [--on WHERE] [--concurrency N] [--retries N]
                    [--no-cache] [--timeout MS] [--allow-host-access]

Runs a task or workflow spec once per item of a dataset and prints one JSON line per item as it
ends: {"item": ..., "state": "SUCCESS"|"ERROR"|"CANCELED", "cached": ..., "outputs": {...}}
(with "error" when it failed). Items whose result an earlier run stored are not run again.

  --over DIR          one item per file of the folder matching --glob (default *); each feeds its
                      input as a local binding of the file (the port's format and target decide
                      whether the task gets the content or the path)
  --over FILE         one item per row of a .csv or .tsv table (a one-column table feeds the cell,
                      a wider one the row object), or per line of a .jsonl file
  --as INPUT_ID       the input each item feeds (default: the spec's one input left unbound)
  --input ID=...      an input every item shares, as in taskcell run
  --on WHERE          where to run each item (default in-process)
  --concurrency N     how many items run at once (default 64)
  --retries N         how many times a failed item is tried again (default 0)
  --no-cache          run every item, and store nothing

Exit codes: 0 every item succeeded, 1 some failed, 2 bad arguments, 130 cancelled (Ctrl-C).`;

/** `taskcell map`. */
export async function mapCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      over: { type: 'string' },
      glob: { type: 'string' },
      as: { type: 'string' },
      input: { type: 'string', multiple: true, short: 'i' },
      on: { type: 'string' },
      concurrency: { type: 'string' },
      retries: { type: 'string' },
      'no-cache': { type: 'boolean' },
      timeout: { type: 'string' },
      'allow-host-access': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const path = runArgs.specPath('map', HELP, values.help, positionals);
  if (path === undefined) return 0;
  if (values.over === undefined) throw new OptionError('taskcell map needs --over DIR or --over FILE (.csv, .tsv, .jsonl)', {});
  if (values['allow-host-access']) allowHostAccess();
  const spec = parseTask(await loadTask(path));
  const inputs = runArgs.inputBindings(spec, values.input);
  const dataset: Dataset =
    values.glob !== undefined || Private.isDir(values.over) ? { folder: values.over, glob: values.glob } : values.over;
  recordRunsIfEnabled(getRunner());
  const controller = new AbortController();
  breakTasksOnSigint();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const options: IMapOptions = { signal: controller.signal, inputs, onItem: (it) => process.stdout.write(`${Private.line(it)}\n`) };
  if (values.as !== undefined) options.as = values.as;
  if (values.on !== undefined) options.on = values.on;
  if (values.concurrency !== undefined) options.concurrency = Private.integer(values.concurrency, '--concurrency', 1);
  if (values.retries !== undefined) options.retries = Private.integer(values.retries, '--retries', 0);
  if (values['no-cache']) options.cache = false;
  if (values.timeout !== undefined) options.timeout = runArgs.timeout(values.timeout);
  try {
    const result = await mapOn(getRunner(), spec, dataset, options);
    process.stderr.write(
      `${result.done} done, ${result.failed} failed, ${result.cached} cached, ${result.canceled} cancelled of ${result.total}\n`,
    );
    if (result.state === 'CANCELED') return 130;
    return result.failed > 0 ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await getRunner().close();
  }
}

namespace Private {
  export function isDir(path: string): boolean {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  }

  export function integer(text: string, flag: string, min: number): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new OptionError(`Expected ${flag} to be an integer >= ${min}, got \`${text}\``, { option: flag });
    return n;
  }

  /** One item as a JSON line; buffers print as base64. */
  export function line(it: IMapItem): string {
    const out: Record<string, unknown> = { item: it.item, state: it.state, cached: it.cached, outputs: it.outputs ?? {} };
    if (it.error !== undefined) out.error = { code: it.error.code, message: it.error.message };
    return JSON.stringify(out, runArgs.replacer);
  }
}
