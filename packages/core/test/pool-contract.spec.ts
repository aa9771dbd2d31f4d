import { CanceledError, createRunner, run, task, taskFromWire, taskToWire, workflow } from '@taskcell/core';
import type { IResolvedRunOptions, IWorkerPool, Runner } from '@taskcell/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshRunner } from './helpers';

/** A fake pool for the unit test: a second runner behind the wire form, recording what it was sent. */
function fakePool(seen: Array<{ task: string | undefined; step?: string; signal?: AbortSignal }>): IWorkerPool {
  const other = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-pool-')) });
  return {
    place: { kind: 'thread', name: 'fake' },
    run(spec, inputs, options: IResolvedRunOptions) {
      seen.push({ task: spec.name, step: options.step, signal: options.signal });
      const remote = taskFromWire(JSON.parse(JSON.stringify(taskToWire(spec, 'on the fake pool'))));
      return other.execute(remote, inputs, { ...options, signal: options.signal });
    },
    close: async () => undefined,
  };
}

let runner: Runner;
beforeEach(() => {
  runner = freshRunner();
});

describe('the pool contract, through the runner', () => {
  test('a workflow is scheduled here and each step is sent to the pool', async () => {
    const seen: Array<{ task: string | undefined; step?: string }> = [];
    runner.registerPool('fake', () => fakePool(seen));
    const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
    const wf = workflow().step('a', inc).step('b', inc).step('c', inc).connect('a.y', 'c.x');
    const r = await run(wf, { 'a.x': 1, 'b.x': 10 }, { on: 'fake', cache: false });
    expect(r.data).toEqual({ 'b.y': 11, 'c.y': 3 });
    expect(seen.map((s) => s.step).sort()).toEqual(['a', 'b', 'c']);
  });

  test('cancel(jobId) and the workflow cancel reach the pool as an aborted signal', async () => {
    const seen: Array<{ task: string | undefined; step?: string; signal?: AbortSignal }> = [];
    runner.registerPool('fake', () => fakePool(seen));
    const wait = task(
      { name: 'wait', inputs: { x: 'number' }, outputs: { y: 'number' } },
      (i, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r(i.x))),
    );
    const p = run(wait, { x: 1 }, { on: 'fake', cache: false, jobId: 'remote-1' });
    await new Promise((r) => setTimeout(r, 10));
    expect(runner.activeJobs()).toContain('remote-1');
    expect(runner.cancel('remote-1')).toBe(true);
    await expect(p).rejects.toThrow(CanceledError);
    expect(seen[0].signal!.aborted).toBe(true);

    const ac = new AbortController();
    const wp = run(workflow().step('s', wait), { x: 1 }, { on: 'fake', cache: false, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await expect(wp).rejects.toThrow(CanceledError);
    expect(seen[1].signal!.aborted).toBe(true);
  });

  test("a pool with a cancel hook gets no signal: cancel(jobId), the caller's signal and the workflow cancel call the hook", async () => {
    const calls: Array<{ jobId: string; reason: unknown }> = [];
    const sent: Array<{ jobId: string; signal?: AbortSignal }> = [];
    const pending = new Map<string, (err: unknown) => void>();
    const hooked: IWorkerPool = {
      place: { kind: 'thread', name: 'hooked' },
      run(_spec, _inputs, options: IResolvedRunOptions) {
        sent.push({ jobId: options.jobId!, signal: options.signal });
        return new Promise((_resolve, reject) => pending.set(options.jobId!, reject));
      },
      cancel(jobId, reason) {
        calls.push({ jobId, reason });
        pending.get(jobId)?.(reason);
      },
      close: async () => undefined,
    };
    runner.registerPool('hooked', () => hooked);
    const t = task({ name: 't', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x);

    const p = run(t, { x: 1 }, { on: 'hooked', cache: false, jobId: 'h-1' });
    expect(runner.cancel('h-1')).toBe(true);
    await expect(p).rejects.toThrow(CanceledError);
    expect(calls[0].jobId).toBe('h-1');
    expect(calls[0].reason).toBeInstanceOf(CanceledError);
    expect(sent[0].signal).toBeUndefined();
    expect(runner.activeJobs()).not.toContain('h-1');

    const ac = new AbortController();
    const q = run(t, { x: 1 }, { on: 'hooked', cache: false, jobId: 'h-2', signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(q).rejects.toThrow(CanceledError);
    expect(calls[1].jobId).toBe('h-2');

    const wc = new AbortController();
    const wp = run(workflow().step('s', t), { x: 1 }, { on: 'hooked', cache: false, signal: wc.signal });
    await new Promise((r) => setTimeout(r, 10));
    wc.abort();
    await expect(wp).rejects.toThrow(CanceledError);
    expect(calls[2].jobId).toBe(sent[2].jobId);
    expect(sent[2].signal).toBeUndefined();

    // Already aborted: the job is refused before it reaches the pool.
    const done = new AbortController();
    done.abort();
    await expect(run(t, { x: 1 }, { on: 'hooked', cache: false, jobId: 'h-4', signal: done.signal })).rejects.toThrow(CanceledError);
    expect(sent.map((s) => s.jobId)).not.toContain('h-4');
  });

  test('an unknown pool is an OptionError naming the known ones', async () => {
    await expect(
      run(
        task({ inputs: {}, outputs: { y: 'number' } }, () => 1),
        {},
        { on: 'redis://nowhere:1' },
      ),
    ).rejects.toThrow(/No worker pool for on: "redis:\/\/nowhere:1"; this runner knows "in-process"/);
  });
});
