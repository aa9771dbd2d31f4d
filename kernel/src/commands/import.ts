import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OptionError } from '@taskcell/core';

const HELP = `usage: taskcell import IMAGE [--out DIR] [--pull]

Makes the tasks of an image that describes itself as slicer_cli_web images do: IMAGE --list_cli
prints the JSON list of its CLIs and IMAGE <cli> --xml each one's Slicer XML. Prints one line per
task (CLI name, inputs, outputs). With --out, writes each task spec to DIR/<cli>.json (mode
slicer_cli: taskcell run DIR/<cli>.json runs it in the image); without it, prints the specs as one
JSON object by CLI name. --pull pulls the image when it is absent (off by default).`;

/** `taskcell import`. */
export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, pull: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new OptionError(`taskcell import needs one IMAGE, got ${positionals.length}\n\n${HELP}`, {});
  const { importSlicerImage } = require('@taskcell/docker') as typeof import('@taskcell/docker');
  const { tasks } = await importSlicerImage(positionals[0], { pull: values.pull === true });
  if (values.out === undefined) {
    process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
    return 0;
  }
  mkdirSync(values.out, { recursive: true });
  for (const [name, spec] of Object.entries(tasks)) {
    const file = join(values.out, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
    const ids = (ports: unknown) => (ports as Array<{ name: string }>).map((p) => p.name).join(', ');
    process.stdout.write(`${name}\t${file}\tinputs: ${ids(spec.inputs)}\toutputs: ${ids(spec.outputs)}\n`);
  }
  return 0;
}
