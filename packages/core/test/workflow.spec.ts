import { CanceledError, CycleError, MissingInputError, SpecError, WorkflowError, run, task, workflow } from '@taskcell/core';
import type { AnyWorkflow, IJobEvent, Runner, TaskJSON } from '@taskcell/core';
import { freshRunner, states } from './helpers';

let runner: Runner;
beforeEach(() => {
  runner = freshRunner();
});

const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const add = task({ name: 'add', inputs: { a: 'number', b: 'number' }, outputs: { c: 'number' } }, ({ a, b }) => a + b);
const fail = task({ name: 'fail', inputs: { x: 'number' }, outputs: { y: 'number' } }, () => {
  throw new Error('step exploded');
});

/** A Girder Worker workflow JSON of `n` steps chained x -> y. */
function chain(n: number): TaskJSON {
  const steps = Array.from({ length: n }, (_, i) => ({ name: `s${i}`, task: { ...inc.toJSON(), script: 'y = x + 1' } }));
  const connections: Record<string, unknown>[] = [{ name: 'x', input_step: 's0', input: 'x' }];
  for (let i = 1; i < n; i++) connections.push({ output_step: `s${i - 1}`, output: 'y', input_step: `s${i}`, input: 'x' });
  connections.push({ name: 'y', output_step: `s${n - 1}`, output: 'y' });
  return {
    mode: 'workflow',
    inputs: [{ name: 'x', type: 'number', format: 'number' }],
    outputs: [{ name: 'y', type: 'number', format: 'number' }],
    steps,
    connections,
  };
}

describe('workflows', () => {
  test('a chain of 10,000 steps runs in-process', async () => {
    const spec = chain(10_000);
    const r = await run(spec, { x: 0 }, { cache: false });
    expect(r.data.y).toBe(10_000);
    expect(Object.keys(r.steps!)).toHaveLength(10_000);
  }, 60_000);

  test('a wide fan-out/fan-in of 10,000 steps runs in-process', async () => {
    const wf: AnyWorkflow = workflow('fan').step('src', inc);
    const n = 10_000;
    for (let i = 0; i < n; i++) wf.step(`m${i}`, inc);
    // Fan in pairwise through a tree of adds, so every step's result reaches the output.
    let level = Array.from({ length: n }, (_, i) => `m${i}.y`);
    for (let i = 0; i < n; i++) wf.connect('src', `m${i}`, { y: 'x' });
    let k = 0;
    while (level.length > 1) {
      const next: string[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) {
        const name = `add${k++}`;
        wf.step(name, add);
        wf.connect(level[i].split('.')[0], name, { [level[i].split('.')[1]]: 'a' });
        wf.connect(level[i + 1].split('.')[0], name, { [level[i + 1].split('.')[1]]: 'b' });
        next.push(`${name}.c`);
      }
      if (level.length % 2) next.push(level[level.length - 1]);
      level = next;
    }
    const r = await run(wf, { x: 0 }, { cache: false });
    // src gives 1, each m gives 2, the adds sum them.
    expect(r.data.c).toBe(2 * n);
    expect(Object.keys(r.steps!).length).toBe(1 + n + k);
  }, 60_000);

  test('independent steps run at once, up to the concurrency limit', async () => {
    const slow = task({ inputs: { x: 'number' }, outputs: { y: 'number' } }, async ({ x }) => {
      const g = globalThis as { __running?: number; __peak?: number };
      g.__running = (g.__running ?? 0) + 1;
      g.__peak = Math.max(g.__peak ?? 0, g.__running);
      await new Promise((r) => setTimeout(r, 20));
      g.__running--;
      return x;
    });
    const wf: AnyWorkflow = workflow();
    for (let i = 0; i < 12; i++) wf.step(`s${i}`, slow);
    const inputs = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`s${i}.x`, i]));
    const g = globalThis as { __peak?: number };
    g.__peak = 0;
    const t0 = Date.now();
    await run(wf, inputs, { cache: false, concurrency: 4 });
    expect(g.__peak).toBe(4);
    expect(Date.now() - t0).toBeLessThan(12 * 20);
  });

  test('a cycle is a CycleError naming the cycle', () => {
    const wf = workflow().step('a', add).step('b', inc).step('c', inc).connect('a.c', 'b.x').connect('b.y', 'c.x').connect('c.y', 'a.a');
    const err = (() => {
      try {
        runner.check(wf.spec);
      } catch (e) {
        return e as CycleError;
      }
    })();
    expect(err).toBeInstanceOf(CycleError);
    expect(err!.message).toMatch(/has a cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
  });

  test('a step input that nothing feeds is a MissingInputError naming the step and port', async () => {
    const spec = chain(3);
    (spec.connections as unknown[]).splice(2, 1);
    const err = await run(spec, { x: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingInputError);
    expect(err.message).toMatch(/input "x" of step "s2" is not connected and has no default/);
    expect(err.context).toMatchObject({ step: 's2', port: 'x' });
  });

  test('a failed step stops its dependants, keeps finished results and says which steps did not run', async () => {
    const wf = workflow('mixed')
      .step('ok1', inc)
      .step('bad', fail)
      .step('after_bad', inc)
      .step('after_after', inc)
      .step('ok2', inc)
      .connect('ok1.y', 'bad.x')
      .connect('bad.y', 'after_bad.x')
      .connect('after_bad.y', 'after_after.x');
    const events: IJobEvent[] = [];
    const err = (await run(wf, { 'ok1.x': 1, 'ok2.x': 10 }, { onEvent: (e) => events.push(e), cache: false }).catch(
      (e) => e,
    )) as WorkflowError;
    expect(err).toBeInstanceOf(WorkflowError);
    expect(err.failed.map((f) => f.step)).toEqual(['bad']);
    expect(err.failed[0].error.message).toMatch(/step exploded/);
    expect(err.completed).toEqual({ ok1: { y: 2 }, ok2: { y: 11 } });
    expect(err.notRun.sort()).toEqual(['after_after', 'after_bad']);
    expect(err.outputs).toEqual({ 'ok2.y': 11 });
    expect(err.message).toMatch(/step "bad" failed: Error: step exploded; not run: .*; finished: 2 of 5 step\(s\)/);
    const wfId = events.find((e) => e.dag)!.jobId;
    expect(states(events, wfId).at(-1)).toBe('ERROR');
    expect(events.find((e) => e.dag)!.dag!.edges).toContainEqual(['ok1', 'bad']);
  });

  test('cancelling a workflow cancels its running steps and ends CANCELED', async () => {
    const wait = task(
      { inputs: { x: 'number' }, outputs: { y: 'number' } },
      (i, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r(i.x))),
    );
    const wf = workflow().step('a', wait).step('b', wait).step('c', inc).connect('a.y', 'c.x');
    const ac = new AbortController();
    const events: IJobEvent[] = [];
    const p = run(wf, { 'a.x': 1, 'b.x': 2 }, { signal: ac.signal, onEvent: (e) => events.push(e), cache: false });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toThrow(CanceledError);
    const ends = events.filter((e) => e.kind === 'state' && e.state === 'CANCELED');
    expect(new Set(ends.map((e) => e.step ?? 'workflow'))).toEqual(new Set(['a', 'b', 'workflow']));
    expect(events.some((e) => e.step === 'c' && e.kind === 'state')).toBe(false);
  });

  test('wiring ports of different types is refused when the workflow is built', () => {
    const toText = task({ inputs: { s: 'string' }, outputs: { n: 'number' } }, ({ s }) => s.length);
    // @ts-expect-error -- a number output cannot feed a string input: the compiler says so.
    expect(() => workflow().step('a', inc).step('b', toText).connect('a.y', 'b.s')).toThrow(SpecError);
    expect(() => workflow().step('a', inc).step('b', toText).connect('a', 'b', { y: 's' })).toThrow(
      /Cannot connect a.y \(type "number"\) to b.s \(type "string"\)/,
    );
  });

  test('Girder Worker JSON with a type mismatch is a SpecError naming both ports', async () => {
    const spec = chain(2);
    (spec.steps as Array<{ task: { inputs: Array<{ type: string; format: string }> } }>)[1].task.inputs[0].type = 'string';
    (spec.steps as Array<{ task: { inputs: Array<{ type: string; format: string }> } }>)[1].task.inputs[0].format = 'text';
    await expect(run(spec, { x: 1 })).rejects.toThrow(
      /output "y" of step "s0" is of type "number", but input "x" of step "s1" wants type "string"/,
    );
  });
});

describe('typed builders', () => {
  test('port declarations type the task body and its result', async () => {
    const stats = task(
      { name: 'stats', inputs: { xs: 'number_list', label: 'string' }, outputs: { mean: 'number', title: 'string' } },
      ({ xs, label }) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, title: label.toUpperCase() }),
    );
    const r = await run(stats, { xs: [1, 2, 3], label: 'abc' }, { cache: false });
    const mean: number = r.data.mean;
    const title: string = r.data.title;
    expect([mean, title]).toEqual([2, 'ABC']);
    // @ts-expect-error -- xs is a number[], so a string is refused at compile time.
    await expect(run(stats, { xs: 'oops', label: 'x' }, { cache: false })).rejects.toThrow(/Input "xs"/);
    // @ts-expect-error -- the body must return a number for a single number output.
    task({ inputs: { a: 'number' }, outputs: { b: 'number' } }, ({ a }) => String(a));
    const csv = task({ inputs: { t: 'table:csv' }, outputs: { n: 'integer' } }, ({ t }) => t.split('\n').length);
    expect(csv.spec.inputs[0]).toMatchObject({ type: 'table', format: 'csv' });
  });

  test('GW naming rules: a shared open port name is addressed as step.port', () => {
    const json = workflow().step('a1', add).step('a2', add).connect('a1.c', 'a2.a').toJSON();
    expect((json.inputs as Array<{ name: string }>).map((p) => p.name).sort()).toEqual(['a', 'a1.b', 'a2.b']);
    expect((json.outputs as Array<{ name: string }>).map((p) => p.name)).toEqual(['c']);
  });
});
