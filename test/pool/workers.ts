import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './redis';

/** A `taskcell worker` process started by a test. */
export interface IWorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it wrote on stderr. */
  readonly stderr: () => string;
  /** SIGKILL it (no cleanup, as a crash). */
  kill9(): Promise<void>;
  /** SIGTERM it and wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawn `node kernel/bin/taskcell.js worker --redis URL ...args` (in `env`, this process's by default;
 * in the folder `cwd`, the repository by default) and wait until it takes jobs.
 */
export async function spawnWorker(
  url: string,
  name: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = ROOT,
): Promise<IWorkerProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'kernel', 'bin', 'taskcell.js'), 'worker', '--redis', url, '--name', name, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`worker ${name} did not start within 20 s:\n${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('taking jobs')) {
        clearTimeout(t);
        res();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`worker ${name} exited with ${code} before taking jobs:\n${err}`));
    });
  });
  return {
    name,
    child,
    stderr: () => err,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
