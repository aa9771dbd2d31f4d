import { parseArgs } from 'node:util';
import { OptionError } from '@taskcell/core/lib/errors';
import { breakTasksOnSigint } from '@taskcell/core/lib/modes/sigint';
import { readConnectionFile } from '../jupyter/connection-file';
import { CompilerProcess } from '../jupyter/compiler/client';
import { kernelLog } from '../jupyter/log';

const HELP = `usage: taskcell kernel --connection-file FILE

Runs the taskcell Jupyter kernel (Jupyter starts it through the kernelspec that
'taskcell install' writes). Modules and types resolve from the working directory.`;

/** `taskcell kernel`. */
export async function kernelCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'connection-file': { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const file = values['connection-file'];
  if (!file) throw new OptionError(`taskcell kernel needs --connection-file FILE\n\n${HELP}`, {});
  const info = readConnectionFile(file);
  // The compiler process first: it builds the compiler on another core while this one loads the kernel.
  const compiler = new CompilerProcess({ cwd: process.cwd(), log: kernelLog });
  compiler.start();
  const { KernelServer } = require('../jupyter/server') as typeof import('../jupyter/server');
  const server = new KernelServer(info, { compiler });
  // An interrupt breaks a task's loop as it breaks a cell's.
  breakTasksOnSigint();
  // The server also shows them as errors in the cell whose work caused them.
  process.on('uncaughtException', (err) => kernelLog(`uncaught exception: ${err.stack ?? String(err)}`));
  process.on('unhandledRejection', (reason) =>
    kernelLog(`unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
  );
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  await server.start();
  await server.finished;
  // The process exits even if a cell left timers or sockets behind.
  setImmediate(() => process.exit(0));
  return 0;
}
