// The errors module alone, and each command loaded when it runs: `taskcell kernel` must start fast.
import { TaskcellError, serializeError } from '@taskcell/core/lib/errors';

/** A subcommand: takes its arguments, returns the exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** A command whose module (`./commands/<file>`) loads only when it runs, so `taskcell kernel` starts fast. */
function lazy(file: string, name: string, summary: string): { run: Command; summary: string } {
  return { run: (argv) => (require(`./commands/${file}`) as Record<string, Command>)[name](argv), summary };
}

/** The subcommands of `taskcell`. */
export const commands: Record<string, { run: Command; summary: string }> = {
  run: lazy('run', 'runCommand', 'run a task or workflow spec (Girder Worker JSON) and print its outputs as JSON'),
  map: lazy(
    'map',
    'mapCommand',
    'run a spec once per file of a folder or row of a table, one JSON line per item (taskcell map SPEC --over DIR)',
  ),
  runs: lazy('runs', 'runsCommand', 'list, show and compare recorded runs (taskcell runs list | show ID | compare ID ID)'),
  rerun: lazy('rerun', 'rerunCommand', 'run a recorded run again from its record, here by default (taskcell rerun RUN_ID [--local])'),
  convert: lazy(
    'convert',
    'convertCommand',
    'convert data between two formats of a type (taskcell convert --type T --from F --to G [FILE|-])',
  ),
  export: lazy(
    'export',
    'exportCommand',
    "write a notebook's task or workflow as a spec with its code bundled (taskcell export NB.ipynb --task NAME [--out DIR])",
  ),
  spec: lazy(
    'spec',
    'specCommand',
    'convert a Slicer CLI XML description to a task spec and back (--from-slicer FILE.xml | --to-slicer SPEC.json)',
  ),
  import: lazy('import', 'importCommand', 'make the tasks of an image whose CLIs describe themselves (taskcell import IMAGE [--out DIR])'),
  validate: lazy('validate', 'validateCommand', 'check that data is valid for a type and format; exit 1 with the reason when not'),
  worker: lazy('worker', 'workerCommand', 'run a remote-pool worker: take jobs from Redis until stopped (taskcell worker --redis URL)'),
  install: lazy('install', 'installCommand', 'register the taskcell Jupyter kernel (kernelspec "taskcell")'),
  kernel: lazy('kernel', 'kernelCommand', 'run the Jupyter kernel (started by Jupyter with --connection-file)'),
};

/** Usage text. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  return [
    'usage: taskcell <command> [options]',
    '',
    ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'taskcell <command> --help' for a command's options.",
  ].join('\n');
}

/** Entry point of the `taskcell` command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${(require('../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`taskcell: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (isArgumentError(err)) {
      process.stderr.write(`taskcell ${name}: ${(err as Error).message}\nRun 'taskcell ${name} --help' for its options.\n`);
      return 2;
    }
    return reportError(err);
  }
}

/** Print a typed error on stderr (a readable line, then its JSON) and give the exit code for it. */
export function reportError(err: unknown): number {
  const json = serializeError(err);
  for (let e: typeof json | undefined = json; e; e = e.cause) delete e.stack;
  process.stderr.write(`taskcell: [${json.code}] ${json.message}\n${JSON.stringify({ error: json })}\n`);
  if (err instanceof TaskcellError && err.code === 'taskcell:canceled') return 130;
  if (err instanceof TaskcellError && err.code === 'taskcell:option') return 2;
  return 1;
}

/** Node's `parseArgs` errors (an unknown option, a missing or ambiguous value) are bad arguments too. */
function isArgumentError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
