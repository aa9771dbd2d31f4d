import { parseArgs } from 'node:util';
import { createReadStream } from 'node:fs';
import { JsonTooLongError, OptionError, canStream, getRunner, streamConvert, tooLargeForMemory } from '@taskcell/core';
import { readInput, writeOutput } from './io';

const HELP = `usage: taskcell convert --type T --from F --to G [FILE|-]

Converts data of type T from format F to format G along the shortest converter path and writes it
to stdout: binary formats (png, zip, bson...) as bytes, text formats as text, in-memory formats
(rows, nested, networkx, pil...) as JSON. Reads FILE, or stdin for - or no FILE. Directory formats
take and give paths. CSV and TSV to jsonlines, rows.json, objectlist.json, CSV or TSV stream: a file
of any size converts in bounded memory.`;

/** `taskcell convert`. */
export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string', short: 't' },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { type, from, to } = values;
  if (!type || !from || !to || positionals.length > 1)
    throw new OptionError(`taskcell convert needs --type, --from and --to, and at most one FILE\n\n${HELP}`, {});
  const formats = getRunner().formats;
  formats.format(type, from);
  formats.format(type, to);
  const file = positionals[0];
  if (canStream(type, from, to)) {
    // Large text tables convert chunk by chunk, never whole in memory.
    await streamConvert(type, from, to, file === undefined || file === '-' ? process.stdin : createReadStream(file), process.stdout);
    return 0;
  }
  const data = await readInput(file, type, from, to);
  formats.validate(type, from, data, {}, positionals[0] && positionals[0] !== '-' ? `Input ${positionals[0]}` : 'Input');
  const out = await formats.convert(type, from, to, data, {});
  try {
    writeOutput(out);
  } catch (err) {
    if (err instanceof JsonTooLongError) throw tooLargeForMemory(type, from, to, `the ${to} value as JSON: ${err.message}`);
    throw err;
  }
  return 0;
}
