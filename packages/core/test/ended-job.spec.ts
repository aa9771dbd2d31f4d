import { CanceledError, run, task } from '@taskcell/core';
import type { IJobEvent, IWorkerPool, Runner } from '@taskcell/core';
import { freshRunner, states } from './helpers';

let runner: Runner;
beforeEach(() => {
  runner = freshRunner();
});

/** Reports progress and logs every 50 ms for two seconds, whatever its signal says. */
const stubborn = task({ name: 'stubborn', inputs: {}, outputs: { n: 'number' } }, async (_i, ctx) => {
  for (let i = 1; i <= 40; i++) {
    await new Promise((r) => setTimeout(r, 50));
    ctx.progress(i, 40);
    ctx.log(`step ${i}`);
  }
  return 1;
});

describe('a job that has ended is silent', () => {
  test('a cancelled task that goes on publishes nothing after CANCELED, and says once that it ignores its cancel', async () => {
    const events: IJobEvent[] = [];
    const controller = new AbortController();
    const pending = run(stubborn, {}, { signal: controller.signal, onEvent: (e) => events.push(e), cache: false });
    await new Promise((r) => setTimeout(r, 180));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
    await new Promise((r) => setTimeout(r, 2000));
    const end = events.findIndex((e) => e.kind === 'state' && e.state === 'CANCELED');
    expect(end).toBeGreaterThan(0);
    expect(events.slice(0, end).some((e) => e.kind === 'progress')).toBe(true);
    const after = events.slice(end + 1);
    expect(after.map((e) => e.kind)).toEqual(['cancel-ignored']);
    expect(after[0].notice).toMatch(
      /Task "stubborn" \(job .*\) is still running in the kernel 1 s after it was cancelled: it ignores its cancel signal/,
    );
    expect(after[0].time - events[end].time).toBeGreaterThanOrEqual(950);
  });

  test('a task that stops at its cancel is not reported', async () => {
    const events: IJobEvent[] = [];
    const heeds = task({ name: 'heeds', inputs: {}, outputs: { n: 'number' } }, async (_i, ctx) => {
      await new Promise((_r, j) => ctx.signal.addEventListener('abort', () => j(ctx.signal.reason)));
      return 1;
    });
    const controller = new AbortController();
    const pending = run(heeds, {}, { signal: controller.signal, onEvent: (e) => events.push(e), cache: false });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
    await new Promise((r) => setTimeout(r, 1200));
    expect(events.some((e) => e.kind === 'cancel-ignored')).toBe(false);
    expect(states(events)).toEqual(['QUEUED', 'RUNNING', 'CANCELING', 'CANCELED']);
  });

  test('a pooled job the runner cancels ends CANCELED once, whatever the pool drops', async () => {
    let reject: ((e: unknown) => void) | undefined;
    const pool: IWorkerPool = {
      place: { kind: 'thread', name: 'silent' },
      run: (_t, _i, options) =>
        new Promise((_resolve, rej) => {
          reject = rej;
          options.onEvent?.({ v: 1, kind: 'state', jobId: options.jobId!, time: Date.now(), state: 'RUNNING' });
        }),
      cancel: (_id, reason) => reject?.(reason),
      close: async () => undefined,
    };
    runner.registerPool('silent', () => pool);
    const events: IJobEvent[] = [];
    const controller = new AbortController();
    const pending = run(stubborn, {}, { on: 'silent', signal: controller.signal, onEvent: (e) => events.push(e) });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
    expect(states(events)).toEqual(['RUNNING', 'CANCELED']);
    expect(events[1]).toMatchObject({ task: 'stubborn', kind: 'state', state: 'CANCELED' });
  });
});
