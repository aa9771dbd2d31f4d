import { randomUUID } from 'node:crypto';
import { KernelClient } from './client';
import type { IMsg } from './client';

describe('comms', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  const commMsgs = (commId: string): IMsg[] => k.received.filter((m) => m.header.msg_type === 'comm_msg' && m.content.comm_id === commId);

  it('opens the taskcell comm, lists, streams job events, cancels, and closes', async () => {
    const commId = randomUUID();
    const open = await k.notify('comm_open', { comm_id: commId, target_name: 'taskcell', data: {} });
    const hello = open.find((m) => m.header.msg_type === 'comm_msg');
    expect(hello?.content.data).toEqual({ v: 1, type: 'hello', jobs: [] });

    const info = await k.request('comm_info_request', { target_name: 'taskcell' });
    expect(info.content.comms).toEqual({ [commId]: { target_name: 'taskcell' } });

    const code = [
      'import { task, run } from "taskcell";',
      'const wait = task({ name: "wait", inputs: {}, outputs: { n: "number" } }, async (_i, ctx) => { await new Promise((r, j) => { const t = setTimeout(r, 60000); ctx.signal.addEventListener("abort", () => { clearTimeout(t); j(ctx.signal.reason); }); }); return 1; });',
      'globalThis.job = run(wait, {}); (globalThis as any).job.catch(() => undefined); undefined',
    ].join('\n');
    expect((await k.execute(code)).reply.content.status).toBe('ok');
    await k.waitFor((m) => m.header.msg_type === 'comm_msg' && (m.content.data as { type?: string }).type === 'event');

    const list = await k.notify('comm_msg', { comm_id: commId, data: { v: 1, type: 'list', requestId: 'r1' } });
    const jobs = list.find((m) => m.header.msg_type === 'comm_msg' && (m.content.data as { type?: string }).type === 'jobs')?.content
      .data as { type: string; requestId: string; jobs: string[] };
    expect(jobs).toMatchObject({ type: 'jobs', requestId: 'r1' });
    expect(jobs.jobs).toHaveLength(1);

    const cancel = await k.notify('comm_msg', { comm_id: commId, data: { v: 1, type: 'cancel', jobId: jobs.jobs[0], requestId: 'r2' } });
    expect(
      cancel.find((m) => m.header.msg_type === 'comm_msg' && (m.content.data as { type?: string }).type === 'canceled')?.content.data,
    ).toEqual({ v: 1, type: 'canceled', jobIds: jobs.jobs, requestId: 'r2' });
    await k.waitFor(
      (m) => m.header.msg_type === 'comm_msg' && (m.content.data as { event?: { state?: string } }).event?.state === 'CANCELED',
    );

    const bad = await k.notify('comm_msg', { comm_id: commId, data: { v: 1, type: 'explode' } });
    expect(
      bad.find((m) => m.header.msg_type === 'comm_msg' && (m.content.data as { type?: string }).type === 'error')?.content.data,
    ).toMatchObject({ type: 'error', code: 'taskcell:comm' });

    await k.notify('comm_close', { comm_id: commId, data: {} });
    expect((await k.request('comm_info_request', {})).content.comms).toEqual({});
    const before = commMsgs(commId).length;
    await k.execute('run(wait, {}, { timeout: 10 }).catch(() => undefined)');
    await new Promise((r) => setTimeout(r, 200));
    expect(commMsgs(commId)).toHaveLength(before);
  });

  it("tags a top-level job's events with the cell that started it (JupyterLab's cellId)", async () => {
    const commId = randomUUID();
    await k.notify('comm_open', { comm_id: commId, target_name: 'taskcell', data: {} });
    const code = [
      'import { task, run } from "taskcell";',
      'const pair = task({ name: "pair", inputs: { x: "number" }, outputs: { y: "number" } }, ({ x }) => x * 2);',
      'await run(pair, { x: 4 }, { cache: false, jobId: "from-cell-7" });',
    ].join('\n');
    expect((await k.execute(code, {}, { cellId: 'cell-7' })).reply.content.status).toBe('ok');
    const events = commMsgs(commId)
      .map((m) => m.content.data as { type: string; cellId?: string; event?: { jobId: string; state?: string } })
      .filter((d) => d.type === 'event' && d.event?.jobId === 'from-cell-7');
    expect(events.map((d) => d.event?.state).filter(Boolean)).toEqual(expect.arrayContaining(['QUEUED', 'RUNNING', 'SUCCESS']));
    // Every event while the kernel knows the job's cell carries it; the first one always does.
    expect(events[0].cellId).toBe('cell-7');
    expect(new Set(events.map((d) => d.cellId).filter(Boolean))).toEqual(new Set(['cell-7']));
    await k.notify('comm_close', { comm_id: commId, data: {} });
  });

  it('closes a comm opened to an unknown target', async () => {
    const commId = randomUUID();
    const iopub = await k.notify('comm_open', { comm_id: commId, target_name: 'nobody', data: {} });
    expect(iopub.find((m) => m.header.msg_type === 'comm_close')?.content.comm_id).toBe(commId);
  });
});
