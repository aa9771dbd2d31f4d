/**
 * The shell while a cell awaits: other requests are served at once, executes still queue; and
 * output of work that goes on after its cell returned reaches that cell.
 */
import { KernelClient } from './client';
import type { IMsg } from './client';

jest.setTimeout(60_000);

describe('requests while a cell awaits, and where late output goes', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  const input = (code: string): Promise<IMsg> => k.waitFor((m) => m.header.msg_type === 'execute_input' && m.content.code === code);

  it('serves kernel_info, complete, inspect and comm_info while an execute awaits; a second execute waits its turn', async () => {
    const slow = 'const waited = await new Promise((r) => setTimeout(() => r(42), 1500)); waited';
    const first = k.execute(slow);
    await input(slow);
    const second = k.execute('"second"');
    const t0 = Date.now();
    const info = await k.exchange('kernel_info_request', {});
    const complete = await k.request('complete_request', { code: 'Math.ma', cursor_pos: 7 });
    const comms = await k.request('comm_info_request', {});
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(info.reply.content.implementation).toBe('taskcell');
    expect(complete.content.matches).toContain('max');
    expect(comms.content.status).toBe('ok');
    // Each request has its own busy and idle, and the kernel is busy again under the running cell.
    expect(info.iopub.map((m) => m.content.execution_state)).toEqual(['busy', 'idle']);
    const a = await first;
    const busyAgain = k.received.filter(
      (m) =>
        m.parent_header.msg_id === a.reply.parent_header.msg_id && m.header.msg_type === 'status' && m.content.execution_state === 'busy',
    );
    expect(busyAgain.length).toBeGreaterThan(1);
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(a.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': '42' });
    const b = await second;
    const firstIdle = k.received.findIndex(
      (m) => m.parent_header.msg_id === a.reply.parent_header.msg_id && m.content.execution_state === 'idle',
    );
    const secondInput = k.received.findIndex(
      (m) => m.parent_header.msg_id === b.reply.parent_header.msg_id && m.header.msg_type === 'execute_input',
    );
    expect(secondInput).toBeGreaterThan(firstIdle);
    expect(b.reply.content.status).toBe('ok');
  });

  it('routes late stdout, stderr, displays and unhandled rejections to the cell that started the work', async () => {
    const starter = [
      'import { display } from "taskcell";',
      'setTimeout(() => { console.log("late out"); console.error("late err"); display("late display"); Promise.reject(new Error("late rejection")); }, 600);',
      'void 0',
    ].join('\n');
    const a = await k.execute(starter);
    expect(a.reply.content.status).toBe('ok');
    const cellA = a.reply.parent_header.msg_id;
    // Another cell runs while the late work happens: none of it may land there.
    const b = await k.execute('await new Promise((r) => setTimeout(r, 1500)); "b"');
    const late = (pred: (m: IMsg) => boolean): IMsg => {
      const m = k.received.find(pred);
      if (!m) throw new Error(`missing late output; got ${k.received.map((x) => x.header.msg_type).join(', ')}`);
      return m;
    };
    const out = late((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('late out'));
    const err = late((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('late err'));
    const shown = late((m) => m.header.msg_type === 'display_data' && JSON.stringify(m.content.data).includes('late display'));
    const rejection = late((m) => m.header.msg_type === 'error' && m.content.evalue === 'late rejection');
    for (const m of [out, err, shown, rejection]) expect(m.parent_header.msg_id).toBe(cellA);
    expect(err.content.name).toBe('stderr');
    expect(rejection.content.ename).toBe('Error');
    expect((rejection.content.traceback as string[])[0]).toBe('Error: late rejection');
    expect(b.iopub.filter((m) => ['stream', 'display_data', 'error'].includes(m.header.msg_type))).toEqual([]);
    expect(b.reply.content.status).toBe('ok');
    // The kernel lives on.
    expect((await k.execute('1 + 1')).reply.content.status).toBe('ok');
  });

  it('a job on threads started by a later cell shows inline in that cell, not in the one that started the pool', async () => {
    const first = await k.execute(
      [
        'import { task, run } from "taskcell";',
        'const nap = task({ name: "nap", inputs: { ms: "number" }, outputs: { ms: "number" } }, async ({ ms }) => { await new Promise((r) => setTimeout(r, ms)); return ms; });',
        // The pool starts with another task, whose own card (a slow start shows one) is not the one checked below.
        'const warm = task({ name: "warm-up", inputs: {}, outputs: { n: "number" } }, () => ({ n: 1 }));',
        '(await run(warm, {}, { on: "threads", cache: false })).data.n',
      ].join('\n'),
    );
    expect(first.reply.content.status).toBe('ok');
    const later = await k.execute('(await run(nap, { ms: 900 }, { on: "threads", cache: false })).data.ms');
    const cell = later.reply.parent_header.msg_id;
    const shown = k.received.filter((m) => m.header.msg_type === 'display_data' && JSON.stringify(m.content.data).includes('nap'));
    expect(shown.length).toBeGreaterThan(0);
    for (const m of shown) expect(m.parent_header.msg_id).toBe(cell);
    // What a task prints on its thread goes to the cell that runs it as well.
    const printer = await k.execute(
      'await run(task({ name: "printer", inputs: {}, outputs: { n: "number" } }, () => { console.log("from a thread"); return 1; }), {}, { on: "threads", cache: false }); await new Promise((r) => setTimeout(r, 200));',
    );
    const printed = await k.waitFor((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('from a thread'));
    expect(printed.parent_header.msg_id).toBe(printer.reply.parent_header.msg_id);
  });

  it('a promise a cell ends with reads as in plain Node, without the async context the kernel tracks', async () => {
    const pending = await k.execute('const later = new Promise((r) => setTimeout(() => r(7), 300)); later');
    expect(pending.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({
      'text/plain': 'Promise { <pending> }',
    });
    await new Promise((r) => setTimeout(r, 400));
    const settled = await k.execute('later');
    expect(settled.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({
      'text/plain': 'Promise { 7 }',
    });
  });

  it('an unhandled rejection of the running cell shows as an error in it, and an uncaught exception of a timer in its own cell', async () => {
    const r = await k.execute('Promise.reject("plain reason"); await new Promise((r) => setTimeout(r, 100)); 1');
    const err = r.iopub.find((m) => m.header.msg_type === 'error');
    expect(err?.content).toMatchObject({ ename: 'Thrown', evalue: 'plain reason' });
    const t = await k.execute('setTimeout(() => { throw new RangeError("from a timer"); }, 200); 2');
    const timerCell = t.reply.parent_header.msg_id;
    const thrown = await k.waitFor((m) => m.header.msg_type === 'error' && m.content.evalue === 'from a timer');
    expect(thrown.parent_header.msg_id).toBe(timerCell);
  });
});
