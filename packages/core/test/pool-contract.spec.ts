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
