import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// With SIGINT breaking tasks (as in the kernel and `taskcell run`), `vm` takes the process's SIGINT
// listeners off while a task's loop runs and puts them back in a `finally`, which stopping the
// loop at its timeout skips: the watchdog puts them back instead. In a process of its own (jest's
// sandbox has a `process` of its own), with the built package.
const CORE = join(__dirname, '..', 'lib', 'index.js');
const SCRIPT = `
const core = require(${JSON.stringify(CORE)});
core.breakTasksOnSigint(true);
let seen = 0;
process.on('SIGINT', () => seen++);
const spin = core.task({ name: 'spin', inputs: {}, outputs: { y: 'number' }, timeout: 200 }, () => { while (true) {} });
core.run(spin, {}, { cache: false }).then(
  () => console.log('no timeout'),
  async (err) => {
    const listeners = process.listenerCount('SIGINT');
    // Without its listener the process would end here, by the signal.
    process.kill(process.pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    console.log(JSON.stringify({ error: err.constructor.name, listeners, seen }));
  },
);
`;

test("a task stopped at its timeout leaves the process's SIGINT listener, and a SIGINT after it reaches that listener", () => {
  const r = spawnSync(process.execPath, ['-e', SCRIPT], { encoding: 'utf8', timeout: 30_000 });
  expect(r.signal).toBeNull();
  expect(JSON.parse(r.stdout.trim())).toEqual({ error: 'TimeoutError', listeners: 1, seen: 1 });
}, 30_000);
