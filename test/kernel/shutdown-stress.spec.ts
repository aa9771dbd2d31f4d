/**
 * Shutdown under load: many kernels at once, on a machine kept busy, each sends a burst of output
 * and is then shut down by shutdown_request while that output may still be on its way (one
 * subscriber has stopped reading). Every one must exit with code 0: no abort, and no hang, from
 * zeromq handing sent messages back to a thread that has ended.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { KernelClient } from './client';

jest.setTimeout(600_000);

const KERNELS = 6;
const ROUNDS = 3;

/** Processes that spin the CPU until stopped, so the kernels' threads are preempted at awkward moments. */
function burnCpu(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** Start a kernel, make it publish a burst, shut it down; resolves to how it exited. */
async function startAndShutDown(): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const k = new KernelClient();
  // A frontend that stops reading: what the kernel publishes to it is still in zeromq's queues at exit.
  const paused = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 10 });
  try {
    await k.start();
    paused.subscribe();
    paused.connect(`ipc://${join(k.dir, 'k')}-2`);
    await paused.receive();
    // A task run loads the engine: the result cache's writer thread, the run records, the job displays.
    const ran = await k.execute(
      [
        'import { task, run } from "taskcell";',
        'const step = task({ name: "step", inputs: { n: "number" }, outputs: { m: "number" } }, async ({ n }, ctx) => { for (let i = 0; i < 5; i++) { ctx.progress(i, 5); await new Promise((r) => setTimeout(r, 20)); } return n + 1; });',
        '(await run(step, { n: Math.random() })).data.m',
      ].join('\n'),
    );
    expect(ran.reply.content.status).toBe('ok');
    // Output leaves the I/O thread as the shutdown arrives: long messages, so each frame is over zeromq's copy threshold.
    await k.execute('for (let i = 0; i < 300; i++) console.log(`line ${i} `.repeat(20));');
    await k.execute('import { display } from "taskcell";\nfor (let i = 0; i < 3000; i++) display.markdown(`message ${i} `.repeat(20));');
    const exited = new Promise<[number | null, string | null]>((r) => k.proc?.once('exit', (code, signal) => r([code, signal])));
    void k
      .execute('run(step, { n: Math.random() }); for (let i = 0; i < 300; i++) console.log(`late ${i} `.repeat(20));')
      .catch(() => undefined);
    const reply = await k.request('shutdown_request', { restart: false }, 'control');
    expect(reply.content).toEqual({ status: 'ok', restart: false });
    const [code, signal] = await exited;
    return { code, signal, stderr: k.stderr };
  } finally {
    paused.close();
    await k.close();
  }
}

describe('shutdown under load', () => {
  it(`exits with code 0 from shutdown_request, ${KERNELS} kernels at once, ${ROUNDS} times, while the CPU is busy`, async () => {
    const burners = burnCpu(4);
    try {
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const outcomes = await Promise.all(Array.from({ length: KERNELS }, () => startAndShutDown()));
        for (const o of outcomes)
          if (o.code !== 0) failures.push(`exit code ${String(o.code)}, signal ${String(o.signal)}: ${o.stderr.slice(-2500)}`);
      }
      expect(failures).toEqual([]);
    } finally {
      for (const b of burners) b.kill('SIGKILL');
    }
  });
});
