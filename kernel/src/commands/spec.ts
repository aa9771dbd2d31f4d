import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OptionError, SpecError, parseTask, slicerToTask, taskToSlicer } from '@taskcell/core';

const HELP = `usage: taskcell spec --from-slicer FILE.xml
       taskcell spec --to-slicer SPEC.json

--from-slicer prints the task spec (Girder Worker JSON) of a Slicer CLI description: ports named
by the parameters' <name>, Girder Worker types and formats, numeric defaults kept as numbers, and
each parameter's Slicer description in its port's "slicer" field. A malformed file is reported
with its line and column.
--to-slicer prints the Slicer XML of a task spec (a task from Slicer XML, Girder Worker JSON, or
one written by taskcell export).`;

/** `taskcell spec`. */
export async function specCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: { 'from-slicer': { type: 'string' }, 'to-slicer': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const from = values['from-slicer'];
  const to = values['to-slicer'];
  if ((from === undefined) === (to === undefined) || positionals.length) {
    throw new OptionError(`taskcell spec needs one of --from-slicer FILE.xml or --to-slicer SPEC.json\n\n${HELP}`, {});
  }
  if (from !== undefined) {
    process.stdout.write(`${JSON.stringify(slicerToTask(Private.read(from), from), null, 2)}\n`);
    return 0;
  }
  const file = to as string;
  let json: unknown;
  try {
    json = JSON.parse(Private.read(file));
  } catch (err) {
    throw new SpecError(`${file} must hold a task spec in JSON: ${(err as Error).message}`, { path: file });
  }
  process.stdout.write(taskToSlicer(parseTask(json)));
  return 0;
}

namespace Private {
  export function read(file: string): string {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new OptionError(`cannot read ${file}: ${(err as Error).message}`, { path: file });
    }
  }
}
