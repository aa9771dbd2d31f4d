import { OptionError, SpecError, TimeoutError, WorkflowError, parseTask, run, task, taskToJSON, workflow } from '@taskcell/core';
import type { IJobEvent, TaskcellError } from '@taskcell/core';
import { readFileSync } from 'node:fs';
import { attemptGaps, attempts, expectedDelays, flakyCounter, flakySpec } from './run-control';
import { freshRunner, states, thrown } from './helpers';

beforeEach(() => {
  freshRunner();
});

describe('retries', () => {
  test.each(['fixed', 'exponential'] as const)(
    'a flaky JSON-spec task with "retries" succeeds on attempt 3 after its %s delays',
    async (backoff) => {
      const counter = flakyCounter();
      const events: IJobEvent[] = [];
      const r = await run(flakySpec(backoff), { counter }, { cache: false, onEvent: (e) => events.push(e) });
      expect(r.data.attempts).toBe(3);
      const delays = expectedDelays(backoff);
      const gaps = attemptGaps(counter);
      expect(gaps).toHaveLength(2);
      gaps.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(delays[i]);
        expect(g).toBeLessThan(delays[i] + 1000);
      });
      expect(attempts(events)).toEqual([
        { n: 1, of: 4 },
        { n: 2, of: 4, delay: delays[0] },
        { n: 3, of: 4, delay: delays[1] },
      ]);
      // Failed attempts go back to QUEUED; the job ends once, in SUCCESS.
      expect(states(events)).toEqual(['QUEUED', 'RUNNING', 'QUEUED', 'RUNNING', 'QUEUED', 'RUNNING', 'PUSHING_OUTPUT', 'SUCCESS']);
      const retried = events.find((e) => e.kind === 'attempt' && e.attempt!.n === 2)!;
      expect(retried.attempt!.error).toMatchObject({ code: 'taskcell:task', message: expect.stringContaining('attempt 1 fails') });
    },
    30_000,
  );

  test('a task that keeps failing ends ERROR after max + 1 attempts, with the last error', async () => {
    let calls = 0;
    const t = task({ name: 'bad', outputs: { y: 'number' }, retries: { max: 2, delay: 10 } }, () => {
      calls++;
      throw new Error(`no ${calls}`);
    });
    const events: IJobEvent[] = [];
    await expect(run(t, {}, { cache: false, onEvent: (e) => events.push(e) })).rejects.toThrow('no 3');
    expect(calls).toBe(3);
    expect(states(events).slice(-1)).toEqual(['ERROR']);
  });

  test('run > step > task: the run policy replaces the step policy, which replaces the task policy', async () => {
    let calls = 0;
    const t = task({ name: 'flaky', outputs: { y: 'number' }, retries: { max: 5 } }, () => {
      calls++;
      throw new Error('always');
    });
    await expect(run(t, {}, { cache: false, retries: { max: 1 } })).rejects.toThrow('always');
    expect(calls).toBe(2);
    calls = 0;
    const wf = workflow('w').step('a', t, { retries: { max: 2 } });
    await expect(run(wf, {}, { cache: false })).rejects.toThrow(WorkflowError);
    expect(calls).toBe(3);
    calls = 0;
    await expect(run(wf, {}, { cache: false, retries: { max: 0 } })).rejects.toThrow(WorkflowError);
    expect(calls).toBe(1);
  });

  test('a TimeoutError is not retried unless `on` lists it; `on` limits retries to its codes', async () => {
    let calls = 0;
    const slow = task({ name: 'slow', outputs: { y: 'number' }, timeout: 50, retries: { max: 2 } }, (_i, ctx) => {
      calls++;
      return new Promise<number>((r) => ctx.signal.addEventListener('abort', () => r(0)));
    });
    await expect(run(slow, {}, { cache: false })).rejects.toThrow(TimeoutError);
    expect(calls).toBe(1);
    calls = 0;
    await expect(run(slow, {}, { cache: false, retries: { max: 2, on: ['timeout'] } })).rejects.toThrow(TimeoutError);
    expect(calls).toBe(3);
    calls = 0;
    const failing = task({ name: 'failing', outputs: { y: 'number' } }, () => {
      calls++;
      throw new Error('x');
    });
    await expect(run(failing, {}, { cache: false, retries: { max: 2, on: ['taskcell:timeout'] } })).rejects.toThrow('x');
    expect(calls).toBe(1);
  });

  test('a cancel during the wait between attempts ends the job CANCELED at once', async () => {
    const t = task({ name: 'bad', outputs: { y: 'number' }, retries: { max: 3, delay: 10_000 } }, () => {
      throw new Error('fails');
    });
    const ac = new AbortController();
    const events: IJobEvent[] = [];
    const p = run(t, {}, { cache: false, signal: ac.signal, onEvent: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'taskcell:canceled' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(states(events).slice(-2)).toEqual(['QUEUED', 'CANCELED']);
  });

  test('retry policies are validated with typed errors naming the field', () => {
    const spec = JSON.parse(readFileSync(`${__dirname}/fixtures/flaky-retries.json`, 'utf8'));
    expect(taskToJSON(parseTask(spec)).retries).toEqual({ max: 3, backoff: 'fixed', delay: 100 });
    const bad = (retries: unknown) => thrown<TaskcellError>(() => parseTask({ ...spec, retries }));
    expect(bad({ max: -1 })).toBeInstanceOf(SpecError);
    expect(bad({ max: -1 }).message).toBe('Expected `retries.max` to be an integer >= 0, got `-1`');
    expect(bad({ max: 2, backoff: 'linear' }).message).toBe('Expected `retries.backoff` to be "fixed" or "exponential", got `"linear"`');
    expect(bad({ max: 2, delay: 100, maxDelay: 50 }).context.path).toBe('retries.maxDelay');
    expect(bad({ max: 2, on: [3] }).context.path).toBe('retries.on');
    expect(bad({ max: 2, tries: 3 }).context.path).toBe('retries.tries');
    expect(bad(3).message).toContain('Expected `retries` to be an object');
    expect(thrown(() => parseTask({ ...spec, timeout: -5 }))).toBeInstanceOf(SpecError);
    expect(thrown(() => parseTask({ ...spec, timeout: -5 })).message).toBe('timeout must be a number of milliseconds > 0, got -5');
    const step = { mode: 'workflow', steps: [{ name: 's', task: spec, retries: { max: 'two' } }] };
    expect(thrown(() => parseTask(step)).context.path).toBe('steps[0].retries.max');
    return expect(
      run(flakySpec('fixed'), { counter: flakyCounter() }, { retries: { max: 1, backoff: 'sometimes' as 'fixed' } }),
    ).rejects.toThrow(OptionError);
  });
});
