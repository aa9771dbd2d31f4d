/** `taskcell worker` processes with an environment of the test's choosing (DOCKER_HOST, NODE_EXTRA_CA_CERTS). */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A started worker: its process, what it wrote on stderr, and a stop that waits for its exit. */
export interface IWorker {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawn `taskcell worker --redis URL --name NAME ...args` with `env`, resolved once it takes jobs. */
export async function startWorker(url: string, name: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<IWorker> {
  const child = spawn(process.execPath, [join(ROOT, 'kernel', 'bin', 'taskcell.js'), 'worker', '--redis', url, '--name', name, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker ${name} did not start within 20 s:\n${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('taking jobs')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`worker ${name} exited with ${code} before taking jobs:\n${err}`));
    });
  });
  return {
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
