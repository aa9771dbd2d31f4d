/**
 * A plain `node script.js` that ran python or r tasks through the built packages exits by itself,
 * without process.exit: a warm interpreter waiting for its next job does not keep Node running,
 * and closing the runner cancels a job still in flight, so its interpreter does not either. Once
 * Node has gone, its interpreters end too (their stdin closes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const CORE = join(ROOT, 'packages', 'core');
/** How long a script may take to end by itself; a finished one takes well under a second. */
const EXIT_WITHIN_MS = 60_000;

jest.setTimeout(3 * EXIT_WITHIN_MS);

/** What a script printed on stdout, and how it ended. */
interface IEnded {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `script` in a new Node (CommonJS, `core` bound to the built @taskcell/core), from the
 * repository root so the python mode finds the project venv. Rejects when it has not exited by
 * itself within EXIT_WITHIN_MS (it is then killed).
 */
function runNode(script: string): Promise<IEnded> {
  const child = spawn(process.execPath, ['-e', `const core = require(${JSON.stringify(CORE)});\n${script}`], {
    cwd: ROOT,
    env: { ...process.env, TASKCELL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'tc-exit-')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `Expected the script to exit by itself within ${EXIT_WITHIN_MS} ms, it was still running; stdout: ${stdout} stderr: ${stderr}`,
        ),
      );
    }, EXIT_WITHIN_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The last stdout line of a script as JSON. */
function lastJson(ended: IEnded): Record<string, unknown> {
  const lines = ended.stdout.trim().split('\n');
  expect({ code: ended.code, stderr: ended.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** Resolves once process `pid` has ended (it must within `ms`). */
async function gone(pid: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > until) throw new Error(`Expected interpreter ${pid} to end after its Node exited, it is still running`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A task JSON of `mode` whose script sets the output `pid` to the interpreter's process id. */
const pidTask = (mode: 'python' | 'r', script: string) =>
  JSON.stringify({ mode, script, inputs: [], outputs: [{ name: 'pid', type: 'number', format: 'number' }] });

describe('a Node script that ran interpreter tasks exits by itself', () => {
  test.each([
    ['python', 'import os\npid = os.getpid()'],
    ['r', 'pid <- Sys.getpid()'],
  ] as const)('two %s tasks, the second in the same warm interpreter, then Node and the interpreter end', async (mode, script) => {
    const ended = await runNode(`
      (async () => {
        const spec = ${pidTask(mode, script)};
        const a = await core.run(spec, {}, { cache: false });
        const b = await core.run(spec, {}, { cache: false });
        console.log(JSON.stringify({ pids: [a.data.pid, b.data.pid] }));
      })();
    `);
    const { pids } = lastJson(ended) as { pids: number[] };
    expect(pids[0]).toEqual(expect.any(Number));
    expect(pids[1]).toBe(pids[0]);
    await gone(pids[0]);
  });

  test('closing the runner cancels a python job still running, and Node exits', async () => {
    const ended = await runNode(`
      (async () => {
        const spec = { mode: 'python', script: 'import os, time\\nprint(os.getpid(), flush=True)\\ntime.sleep(600)', inputs: [], outputs: [] };
        let pid;
        let started;
        const printed = new Promise((r) => (started = r));
        const onEvent = (e) => { if (e.kind === 'log' && /^\\d+$/.test(e.log.line)) { pid = Number(e.log.line); started(); } };
        const running = core.run(spec, {}, { cache: false, onEvent }).then(() => 'finished', (err) => err.code);
        await printed;
        await core.getRunner().close();
        console.log(JSON.stringify({ pid, outcome: await running }));
      })();
    `);
    const { pid, outcome } = lastJson(ended) as { pid: number; outcome: string };
    expect(outcome).toBe('taskcell:canceled');
    await gone(pid);
  });
});
