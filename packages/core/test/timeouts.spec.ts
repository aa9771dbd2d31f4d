import { TimeoutError, WorkflowError, run, task, workflow } from '@taskcell/core';
import type { TaskJSON, TaskcellError } from '@taskcell/core';
import { freshRunner } from './helpers';
import { SPIN } from './run-control';

beforeEach(() => {
  freshRunner();
});

/** A task that waits `ms` (or until it is cancelled). */
const nap = (timeout?: number) =>
  task({ name: 'nap', inputs: { ms: 'number' }, outputs: { ms: 'number' }, ...(timeout ? { timeout } : {}) }, ({ ms }, ctx) => {
    return new Promise<number>((r) => {
      const t = setTimeout(() => r(ms), ms);
      ctx.signal.addEventListener('abort', () => (clearTimeout(t), r(-1)));
    });
  });

/** The error of the one failed step of a workflow run. */
async function stepError(p: Promise<unknown>): Promise<TaskcellError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof WorkflowError) return err.failed[0].error;
  return err as TaskcellError;
}

describe('timeouts', () => {
  test('a spec\'s own "timeout" stops a CPU-bound task and names the task limit', async () => {
    const t0 = Date.now();
    const err = await run(SPIN, { x: 1 }, { cache: false }).then(
      () => undefined,
      (e: unknown) => e as TaskcellError,
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err!.message).toBe('Task "spin" ran longer than its task timeout of 200 ms');
    expect(err!.context).toMatchObject({ task: 'spin', timeout: 200, limit: 'task' });
    expect(Date.now() - t0).toBeLessThan(5000);
    // The process goes on: the next job runs.
    await expect(run(nap(), { ms: 1 }, { cache: false })).resolves.toMatchObject({ data: { ms: 1 } });
  }, 30_000);

  test('task({ timeout }) is the task limit; a step\'s "timeout" in a workflow JSON spec names the step', async () => {
    await expect(run(nap(50), { ms: 5000 }, { cache: false })).rejects.toThrow('Task "nap" ran longer than its task timeout of 50 ms');
    const sleep: TaskJSON = {
      name: 'sleep',
      mode: 'javascript',
      inputs: [{ name: 'ms', type: 'number', format: 'number' }],
      outputs: [{ name: 'out', type: 'number', format: 'number' }],
      script:
        'await new Promise((r) => { const t = setTimeout(r, ms); ctx.signal.addEventListener("abort", () => { clearTimeout(t); r(); }); });\nout = ms;',
    };
    const spec: TaskJSON = {
      name: 'wf',
      mode: 'workflow',
      inputs: [{ name: 'ms', type: 'number', format: 'number' }],
      outputs: [{ name: 'out', type: 'number', format: 'number' }],
      steps: [{ name: 'slow', task: sleep, timeout: 80 }],
      connections: [
        { name: 'ms', input_step: 'slow', input: 'ms' },
        { name: 'out', output_step: 'slow', output: 'out' },
      ],
    };
    const t0 = Date.now();
    const err = await stepError(run(spec, { ms: 5000 }, { cache: false }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toBe('Task "sleep" (step "slow") ran longer than its step timeout of 80 ms');
    expect(err.context).toMatchObject({ step: 'slow', timeout: 80, limit: 'step' });
    expect(Date.now() - t0).toBeLessThan(3000);
    // The same through the builder's step option.
    const wf = workflow('wf').step('slow', nap(), { timeout: 80 });
    expect((await stepError(run(wf, { ms: 5000 }, { cache: false }))).message).toBe(
      'Task "nap" (step "slow") ran longer than its step timeout of 80 ms',
    );
  });

  test.each([
    ['run', { run: 60, step: 400, task: 800 }],
    ['step', { run: 800, step: 60, task: 400 }],
    ['task', { run: 800, step: 400, task: 60 }],
  ] as const)('run > step > task: the smallest limit wins (%s)', async (which, l) => {
    const wf = workflow('wf').step('s', nap(l.task), { timeout: l.step });
    const err = await stepError(run(wf, { ms: 5000 }, { cache: false, timeout: l.run }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.context).toMatchObject({ limit: which, timeout: 60 });
    expect(err.message).toContain(`its ${which} timeout of 60 ms`);
  });

  test('a run timeout smaller than the task timeout wins for a single task, and a larger one does not', async () => {
    await expect(run(nap(500), { ms: 5000 }, { cache: false, timeout: 40 })).rejects.toThrow('its run timeout of 40 ms');
    await expect(run(nap(40), { ms: 5000 }, { cache: false, timeout: 500 })).rejects.toThrow('its task timeout of 40 ms');
  });
});
