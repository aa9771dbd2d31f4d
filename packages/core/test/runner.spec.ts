import {
  CanceledError,
  MissingInputError,
  MissingOutputError,
  OptionError,
  TaskcellError,
  TimeoutError,
  ValidationError,
  parseTask,
  run,
  task,
} from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import { existsSync } from 'node:fs';
import { freshRunner, states } from './helpers';

let runner: Runner;
beforeEach(() => {
  runner = freshRunner();
});

const square = task({ name: 'square', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x * x);
const sleep = task({ name: 'sleep', inputs: { ms: 'number' }, outputs: { done: 'boolean' } }, async ({ ms }, ctx) => {
  await new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    ctx.signal.addEventListener('abort', () => (clearTimeout(t), r()));
  });
  return !ctx.signal.aborted;
});

describe('run()', () => {
  test('walks the job states through the transition table and emits them', async () => {
    const events: IJobEvent[] = [];
    const r = await run(square, { x: 3 }, { onEvent: (e) => events.push(e), cache: false });
    expect(r.data.y).toBe(9);
    expect(r.outputs.y).toEqual({ format: 'number', data: 9 });
    expect(states(events)).toEqual(['QUEUED', 'RUNNING', 'PUSHING_OUTPUT', 'SUCCESS']);
    expect(events.every((e) => e.v === 1 && e.jobId === r.jobId && e.task === 'square')).toBe(true);
    expect(events.find((e) => e.state === 'SUCCESS')!.elapsed).toBeGreaterThanOrEqual(0);
  });

  test('converts inputs and outputs between formats, with CONVERTING states', async () => {
    const events: IJobEvent[] = [];
    const r = await run(
      square,
      { x: { format: 'json', data: '4' } },
      { y: { format: 'json' } },
      { onEvent: (e) => events.push(e), cache: false },
    );
    expect(r.outputs.y).toEqual({ format: 'json', data: '16' });
    expect(states(events)).toEqual(['QUEUED', 'RUNNING', 'CONVERTING_INPUT', 'RUNNING', 'CONVERTING_OUTPUT', 'PUSHING_OUTPUT', 'SUCCESS']);
  });

  test('a bad input is a ValidationError naming the port, type, format and what came', async () => {
    // @ts-expect-error -- x is a number: the compiler refuses a string, and so does the runner.
    const err = await run(square, { x: 'seven' }, { cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('taskcell:validation');
    expect(err.message).toMatch(/Input "x" \(string "seven"\) is not of the expected type \("number"\) and format \("number"\)/);
    expect(err.context).toMatchObject({ task: 'square', port: 'x', type: 'number', format: 'number' });
  });

  test('a missing input names the task and port; an unknown input is refused', async () => {
    await expect(run(square, {}, { cache: false })).rejects.toThrow(MissingInputError);
    await expect(run(square, {}, { cache: false })).rejects.toThrow(/Required input "x" of task "square" is not bound and has no default/);
    await expect(run(square, { x: 1, z: 2 } as never, { cache: false })).rejects.toThrow(OptionError);
  });

  test('a port default is used when the input is not bound', async () => {
    const t = task({ inputs: { x: { type: 'number', default: 5 } }, outputs: { y: 'number' } }, ({ x }) => x + 1);
    expect((await run(t, {}, { cache: false })).data.y).toBe(6);
  });

  test('an output the task did not produce is a MissingOutputError', async () => {
    const t = task({ inputs: {}, outputs: { a: 'number', b: 'number' } }, () => ({ a: 1 }) as never);
    await expect(run(t, {}, { cache: false })).rejects.toThrow(MissingOutputError);
  });

  test('a throwing task ends ERROR with a TaskError carrying the cause; non-Error throws are normalized', async () => {
    const boom = task({ name: 'boom', inputs: {}, outputs: { y: 'number' } }, () => {
      throw new RangeError('too big');
    });
    const events: IJobEvent[] = [];
    const err = await run(boom, {}, { onEvent: (e) => events.push(e), cache: false }).catch((e) => e);
    expect(err.code).toBe('taskcell:task');
    expect(err.message).toBe('RangeError: too big');
    expect(err.cause).toBeInstanceOf(RangeError);
    expect(states(events).at(-1)).toBe('ERROR');
    expect(events.at(-1)!.error!.code).toBe('taskcell:task');
    const weird = task({ inputs: {}, outputs: { y: 'number' } }, () => {
      throw 'a string';
    });
    await expect(run(weird, {}, { cache: false })).rejects.toThrow(/Non-error thrown: string "a string"/);
  });

  test('an AbortSignal cancels a running job: it ends CANCELED, not ERROR', async () => {
    const ac = new AbortController();
    const events: IJobEvent[] = [];
    const p = run(sleep, { ms: 5000 }, { signal: ac.signal, onEvent: (e) => events.push(e), cache: false });
    setTimeout(() => ac.abort(), 20);
    const t0 = Date.now();
    const err = await p.catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(CanceledError);
    expect(states(events).slice(-2)).toEqual(['CANCELING', 'CANCELED']);
  });

  test('runner.cancel(jobId) cancels one job; cancelAll cancels every job', async () => {
    const events: IJobEvent[] = [];
    const p = run(sleep, { ms: 5000 }, { onEvent: (e) => events.push(e), cache: false });
    await new Promise((r) => setTimeout(r, 10));
    const [id] = runner.activeJobs();
    expect(runner.cancel(id)).toBe(true);
    await expect(p).rejects.toThrow(CanceledError);
    expect(runner.cancel(id)).toBe(false);
    const ps = [1, 2, 3].map(() => run(sleep, { ms: 5000 }, { cache: false }));
    await new Promise((r) => setTimeout(r, 10));
    expect(runner.cancelAll()).toBe(3);
    for (const q of ps) await expect(q).rejects.toThrow(CanceledError);
  });

  test('an already aborted signal cancels before anything runs', async () => {
    const ac = new AbortController();
    ac.abort();
    const events: IJobEvent[] = [];
    await expect(run(square, { x: 1 }, { signal: ac.signal, onEvent: (e) => events.push(e), cache: false })).rejects.toThrow(CanceledError);
    expect(states(events)).toEqual(['CANCELED']);
  });

  test('a timeout ends the job ERROR with a TimeoutError', async () => {
    const events: IJobEvent[] = [];
    const err = await run(sleep, { ms: 5000 }, { timeout: 30, onEvent: (e) => events.push(e), cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/timeout of 30 ms/);
    expect(states(events).at(-1)).toBe('ERROR');
    await expect(run(sleep, { ms: 1 }, { timeout: 0 })).rejects.toThrow(/Expected `timeout` to be a number of milliseconds > 0, got `0`/);
  });

  test('progress, logs and artifacts become events', async () => {
    const t = task({ inputs: {}, outputs: { y: 'number' } }, (_i, ctx) => {
      ctx.progress(1, 2, 'half');
      ctx.log('hello', { a: 1 });
      ctx.artifact('/tmp/thing.txt');
      return 1;
    });
    const events: IJobEvent[] = [];
    const r = await run(t, {}, { onEvent: (e) => events.push(e), cache: false });
    expect(events.find((e) => e.kind === 'progress')!.progress).toEqual({ current: 1, total: 2, message: 'half' });
    expect(events.find((e) => e.kind === 'log')!.log).toEqual({ stream: 'log', line: 'hello {"a":1}' });
    expect(r.artifacts).toEqual([{ name: 'thing.txt', path: '/tmp/thing.txt' }]);
    expect(r.logs).toEqual(['hello {"a":1}']);
  });

  test('each job gets a temp directory, removed afterwards unless cleanup is false', async () => {
    const t = task({ inputs: {}, outputs: { dir: 'string' } }, (_i, ctx) => ctx.tempdir);
    const a = await run(t, {}, { cache: false });
    expect(existsSync(a.data.dir)).toBe(false);
    const b = await run(t, {}, { cache: false, cleanup: false });
    expect(existsSync(b.data.dir)).toBe(true);
  });

  test('errors serialize and revive with their class, code and context', async () => {
    // @ts-expect-error -- a deliberately wrong input, to get an error.
    const err = (await run(square, { x: 'no' }, { cache: false }).catch((e) => e)) as TaskcellError;
    const back = TaskcellError.fromJSON(JSON.parse(JSON.stringify(err)));
    expect(back).toBeInstanceOf(ValidationError);
    expect(back.code).toBe(err.code);
    expect(back.message).toBe(err.message);
    expect(back.context).toEqual(JSON.parse(JSON.stringify(err.context)));
  });

  test('an unknown mode or type is a typed error naming what is registered', async () => {
    await expect(run({ mode: 'fortran', inputs: [], outputs: [] }, {})).rejects.toThrow(
      /Unknown task mode "fortran"; registered: javascript, workflow, python/,
    );
    await expect(run({ mode: 'javascript', script: '', inputs: [{ name: 'a', type: 'nope' }], outputs: [] }, {})).rejects.toThrow(
      /Input "a": Unknown type "nope"/,
    );
  });

  test('scripts see inputs as variables and give outputs back from their scope, with await', async () => {
    const spec = {
      mode: 'javascript',
      inputs: [{ name: 'a', type: 'number', format: 'number' }],
      outputs: [
        { name: 'b', type: 'number', format: 'number' },
        { name: 'c', type: 'string', format: 'text' },
      ],
      script: 'await new Promise((r) => setTimeout(r, 1));\nb = a * 2;\nconst c = `got ${a}`;',
    };
    const r = await run(spec, { a: 21 }, { cache: false });
    expect(r.data).toEqual({ b: 42, c: 'got 21' });
    await expect(run({ ...spec, script: 'b = (' }, { a: 1 })).rejects.toThrow(/does not parse: .* \(1:5\)|does not parse/);
  });
});

describe('where a job runs', () => {
  it("is its mode's place when the mode has one, through the pool's place that started it", async () => {
    const runner = freshRunner();
    const reg = runner.modes.register({
      name: 'elsewhere',
      execute: () => ({ y: 1 }),
      place: () => ({ kind: 'container', name: 'busybox:1.36' }),
    });
    try {
      const spec = { mode: 'elsewhere', inputs: [], outputs: [{ name: 'y', type: 'number', format: 'number' }] };
      const events: IJobEvent[] = [];
      await run(spec, {}, { cache: false, onEvent: (e) => events.push(e) });
      expect(events.filter((e) => e.place).map((e) => e.place)).toEqual([
        { kind: 'container', name: 'busybox:1.36' },
        { kind: 'container', name: 'busybox:1.36' },
      ]);
      const viaThread: IJobEvent[] = [];
      await runner.execute(
        parseTask(spec),
        {},
        {
          cache: false,
          place: { kind: 'thread', name: 'thread-3' },
          onEvent: (e) => viaThread.push(e),
        },
      );
      expect(viaThread.find((e) => e.place)?.place).toEqual({ kind: 'container', name: 'busybox:1.36', via: 'thread-3' });
    } finally {
      reg.dispose();
    }
  });
});
