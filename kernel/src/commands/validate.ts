import { parseArgs } from 'node:util';
import { OptionError, TaskcellError, getRunner } from '@taskcell/core';
import { dataKind, readInput } from './io';

const HELP = `usage: taskcell validate --type T --format F [FILE|-]

Exits 0 when FILE (or stdin) is valid data of type T in format F; otherwise prints the reason
(with line and column for text formats) and exits 1. Beyond the format's validator (which, as in
Girder Worker, only checks the shape of the data: any string is newick), text and binary data is
parsed into the type's in-memory form, so a malformed file is caught where it breaks.`;

/** `taskcell validate`. */
export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { type: { type: 'string', short: 't' }, format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { type, format } = values;
  if (!type || !format || positionals.length > 1)
    throw new OptionError(`taskcell validate needs --type and --format, and at most one FILE\n\n${HELP}`, {});
  const formats = getRunner().formats;
  formats.format(type, format);
  let data: unknown;
  try {
    data = await readInput(positionals[0], type, format);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    process.stderr.write(`taskcell: invalid ${type}/${format}: ${err.message}\n`);
    return 1;
  }
  const r = formats.check(type, format, data);
  if (r !== true) {
    const where = r.line !== undefined ? ` at line ${r.line}${r.column !== undefined ? `, column ${r.column}` : ''}` : '';
    process.stderr.write(`taskcell: invalid ${type}/${format}${where}: ${r.message}\n`);
    return 1;
  }
  const native = formats.nativeFormat(type);
  const kind = dataKind(type, format);
  if ((kind === 'text' || kind === 'binary') && native !== format && formats.converterPath(type, format, native)) {
    try {
      await formats.convert(type, format, native, data, {});
    } catch (err) {
      if (!(err instanceof TaskcellError)) throw err;
      process.stderr.write(`taskcell: invalid ${type}/${format}: ${err.message}\n`);
      return 1;
    }
  }
  return 0;
}
