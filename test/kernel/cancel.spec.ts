/**
 * Cancel from the Tasks panel (the `taskcell` comm) while a cell awaits the job, wherever the job
 * runs: in the kernel, on threads, on a remote worker (a real Redis), in a container (a private
 * dockerd) and in Python. The cell must fail with the CanceledError within a second, and the job must be silent
 * after its final state.
 */
import { randomUUID } from 'node:crypto';
import { KernelClient } from './client';
import type { IExchange, IMsg } from './client';
import { startRedis } from '../pool/redis';
import type { IRedisServer } from '../pool/redis';
import { spawnWorker } from '../pool/workers';
import type { IWorkerProcess } from '../pool/workers';
import { buildBusyboxImage, startEngine, taskcellContainers } from '../docker/engine';
import type { ITestEngine } from '../docker/engine';

jest.setTimeout(120_000);

/** A job event of the `taskcell` comm, as the kernel sent it. */
interface IEventData {
  type: string;
  event?: { kind: string; jobId: string; parentId?: string; task?: string; state?: string; notice?: string; time: number };
}

const eventOf = (m: IMsg): IEventData['event'] =>
  m.header.msg_type === 'comm_msg' && (m.content.data as IEventData).type === 'event' ? (m.content.data as IEventData).event : undefined;

/** A task that waits 30 s unless its signal aborts (so it stops at once when cancelled). */
const HEEDS = (name: string): string =>
  `task({ name: "${name}", inputs: {}, outputs: { n: "number" } }, async (_i, ctx) => { await new Promise((r, j) => { const t = setTimeout(r, 30000); ctx.signal.addEventListener("abort", () => { clearTimeout(t); j(ctx.signal.reason); }); }); return 1; })`;

describe('cancel over the comm while a cell awaits', () => {
  const k = new KernelClient();
  const commId = randomUUID();
  let redis: IRedisServer | undefined;
  let worker: IWorkerProcess | undefined;
  let engine: ITestEngine | undefined;

  beforeAll(async () => {
    await k.start();
    await k.notify('comm_open', { comm_id: commId, target_name: 'taskcell', data: {} });
    const defined = await k.execute(
      ['import { task, run, parseTask } from "taskcell";', `const here = ${HEEDS('here')};`, `const threaded = ${HEEDS('threaded')};`].join(
        '\n',
      ),
    );
    expect(defined.reply.content.status).toBe('ok');
  });

  afterAll(async () => {
    await k.close();
    await worker?.stop();
    await redis?.stop();
    await engine?.close();
  });

  /**
   * Run `code` (a cell awaiting one job of task `task`), cancel the job over the comm once it
   * runs, and return how long the cell took to fail after the cancel was sent.
   */
  async function cancelWhileAwaiting(code: string, task: string): Promise<{ reply: IExchange['reply']; jobId: string; ms: number }> {
    const from = k.received.length;
    const running = k.execute(code);
    const started = await k.waitFor(
      (m) => k.received.indexOf(m) >= from && eventOf(m)?.task === task && eventOf(m)?.state === 'RUNNING' && !eventOf(m)?.parentId,
      60_000,
    );
    const jobId = eventOf(started)!.jobId;
    const t0 = Date.now();
    const answer = await k.notify('comm_msg', { comm_id: commId, data: { v: 1, type: 'cancel', jobId, requestId: jobId } });
    // The panel's message is served while the cell still awaits: the kernel answers it at once.
    expect(answer.find((m) => (m.content.data as { type?: string } | undefined)?.type === 'canceled')?.content.data).toEqual({
      v: 1,
      type: 'canceled',
      jobIds: [jobId],
      requestId: jobId,
    });
    const { reply } = await running;
    const ms = Date.now() - t0;
    const canceled = await k.waitFor(
      (m) => eventOf(m)?.jobId === jobId && eventOf(m)?.state === 'CANCELED' && eventOf(m)?.kind === 'state',
    );
    expect(eventOf(canceled)!.time - t0).toBeLessThanOrEqual(1000);
    return { reply, jobId, ms };
  }

  /** The job's comm events after its final state, 500 ms later. */
  async function eventsAfterEnd(jobId: string): Promise<string[]> {
    await new Promise((r) => setTimeout(r, 500));
    const mine = k.received.filter((m) => eventOf(m)?.jobId === jobId).map((m) => eventOf(m)!);
    const end = mine.findIndex((e) => e.kind === 'state' && e.state === 'CANCELED');
    return mine.slice(end + 1).map((e) => `${e.kind}:${e.state ?? ''}`);
  }

  function expectCancelled(reply: IExchange['reply'], ms: number): void {
    expect(reply.content.status).toBe('error');
    expect(String(reply.content.ename)).toContain('CanceledError');
    expect(String(reply.content.evalue)).toMatch(/cancelled/);
    expect(ms).toBeLessThanOrEqual(1000);
  }

  it('ends an in-process job within a second, and the cell fails with the CanceledError', async () => {
    const { reply, jobId, ms } = await cancelWhileAwaiting('await run(here, {})', 'here');
    expectCancelled(reply, ms);
    expect(await eventsAfterEnd(jobId)).toEqual([]);
  });

  it('ends a job on threads within a second', async () => {
    const { reply, jobId, ms } = await cancelWhileAwaiting('await run(threaded, {}, { on: "threads" })', 'threaded');
    expectCancelled(reply, ms);
    expect(await eventsAfterEnd(jobId)).toEqual([]);
  });

  it('ends a job on a remote worker (Redis) within a second', async () => {
    redis = await startRedis();
    worker = await spawnWorker(redis.url, 'cancel-remote');
    const defined = await k.execute(`const remote = ${HEEDS('remote')};`);
    expect(defined.reply.content.status).toBe('ok');
    const { reply, jobId, ms } = await cancelWhileAwaiting(`await run(remote, {}, { on: ${JSON.stringify(redis.url)} })`, 'remote');
    expectCancelled(reply, ms);
    expect(await eventsAfterEnd(jobId)).toEqual([]);
  });

  it('ends a docker job within a second and leaves no container', async () => {
    engine = await startEngine();
    await buildBusyboxImage(engine.docker, ['taskcell-test/busybox:latest']);
    const spec = {
      name: 'sleeper',
      mode: 'docker',
      docker_image: 'taskcell-test/busybox:latest',
      container_args: ['sh', '-c', 'sleep 60'],
      outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
    };
    // The kernel reaches the private engine through the docker client's own settings.
    const defined = await k.execute(
      `process.env.DOCKER_HOST = ${JSON.stringify(engine.host)};\nconst sleeper = parseTask(${JSON.stringify(spec)});`,
    );
    expect(defined.reply.content.status).toBe('ok');
    const { reply, jobId, ms } = await cancelWhileAwaiting('await run(sleeper, {})', 'sleeper');
    expectCancelled(reply, ms);
    expect(await eventsAfterEnd(jobId)).toEqual([]);
    const deadline = Date.now() + 15_000;
    while ((await taskcellContainers(engine.docker)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await taskcellContainers(engine.docker)).toEqual([]);
  });

  it('ends a python job within a second (its interpreter is killed)', async () => {
    const spec = {
      name: 'snake',
      mode: 'python',
      script: 'import time\ntime.sleep(60)\nn = 1',
      outputs: [{ id: 'n', type: 'number', format: 'number' }],
    };
    const defined = await k.execute(`const snake = parseTask(${JSON.stringify(spec)});`);
    expect(defined.reply.content.status).toBe('ok');
    const { reply, jobId, ms } = await cancelWhileAwaiting('await run(snake, {})', 'snake');
    expectCancelled(reply, ms);
    expect(await eventsAfterEnd(jobId)).toEqual([]);
    // The next python job gets a fresh interpreter at once.
    const next = await k.execute(`(await run(parseTask(${JSON.stringify({ ...spec, name: 'quick', script: 'n = 2' })}), {})).data.n`);
    expect(next.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': '2' });
  });

  it('a task that ignores its cancel: silent after its end, reported once in its cell and in the panel', async () => {
    const stubborn =
      'task({ name: "stubborn", inputs: {}, outputs: { n: "number" } }, async (_i, ctx) => { for (let i = 1; i <= 25; i++) { await new Promise((r) => setTimeout(r, 100)); ctx.progress(i, 25); ctx.log(`step ${i}`); } return 1; })';
    const from = k.received.length;
    const { reply, jobId, ms } = await cancelWhileAwaiting(`const stubborn = ${stubborn};\nawait run(stubborn, {})`, 'stubborn');
    expectCancelled(reply, ms);
    const cell = reply.parent_header.msg_id;
    const notice = await k.waitFor((m) => eventOf(m)?.jobId === jobId && eventOf(m)?.kind === 'cancel-ignored', 5000);
    expect(eventOf(notice)!.notice).toMatch(/still running in the kernel .* ignores its cancel signal/);
    const stderr = await k.waitFor(
      (m) =>
        k.received.indexOf(m) >= from && m.header.msg_type === 'stream' && String(m.content.text).includes('ignores its cancel signal'),
    );
    expect(stderr.parent_header.msg_id).toBe(cell);
    expect(stderr.content.name).toBe('stderr');
    // The task goes on for about 2 s more; nothing of it but the one notice reaches the panel.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await eventsAfterEnd(jobId)).toEqual(['cancel-ignored:CANCELED']);
    expect(
      k.received.filter((m) => k.received.indexOf(m) >= from && String(m.content.text ?? '').includes('ignores its cancel')),
    ).toHaveLength(1);
    // The same job id given to a new run is followed again.
    const again = await k.execute(`await run(here, {}, { jobId: ${JSON.stringify(jobId)}, timeout: 50 }).catch((e) => e.name)`);
    expect(again.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': "'TimeoutError'" });
    expect(await eventsAfterEnd(jobId)).toEqual(expect.arrayContaining(['state:QUEUED', 'state:RUNNING', 'state:ERROR']));
  });
});
