import { KernelClient } from './client';

describe('interrupt', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it('an interrupt_request on control ends while (true) {} and the next cell runs', async () => {
    const running = k.execute('while (true) {}');
    await k.waitFor((m) => m.header.msg_type === 'execute_input' && m.content.code === 'while (true) {}');
    await new Promise((r) => setTimeout(r, 300));
    const interrupt = await k.request('interrupt_request', {}, 'control');
    expect(interrupt.content.status).toBe('ok');
    const { reply, iopub } = await running;
    expect(reply.content.status).toBe('error');
    expect(String(reply.content.ename)).toContain('InterruptedError');
    expect(iopub.some((m) => m.header.msg_type === 'error')).toBe(true);
    const next = await k.execute('1 + 1');
    expect(next.reply.content.status).toBe('ok');
    expect(next.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': '2' });
  });

  it('prints of a blocking loop stream out before the loop ends', async () => {
    const code = 'let last = Date.now(); while (true) { if (Date.now() - last > 100) { last = Date.now(); console.log("tick"); } }';
    const running = k.execute(code);
    const input = await k.waitFor((m) => m.header.msg_type === 'execute_input' && m.content.code === code);
    await k.waitFor(
      (m) =>
        m.header.msg_type === 'stream' && m.parent_header.msg_id === input.parent_header.msg_id && String(m.content.text).includes('tick'),
    );
    await k.request('interrupt_request', {}, 'control');
    expect((await running).reply.content.status).toBe('error');
  });

  it('SIGINT ends while (true) {} and the next cell runs', async () => {
    // The loop prints once it runs: a signal is only meant to break a running loop, not its compilation.
    const code =
      'let spins = 0; let at = Date.now(); while (true) { spins++; if (Date.now() - at > 100) { at = Date.now(); console.log("spinning"); } }';
    const running = k.execute(code);
    const input = await k.waitFor((m) => m.header.msg_type === 'execute_input' && m.content.code === code);
    await k.waitFor((m) => m.header.msg_type === 'stream' && m.parent_header.msg_id === input.parent_header.msg_id);
    k.proc?.kill('SIGINT');
    const { reply } = await running;
    expect(reply.content.status).toBe('error');
    expect(String(reply.content.ename)).toContain('InterruptedError');
    const next = await k.execute('spins > 0');
    expect(next.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': 'true' });
  });

  it('an interrupt ends an awaiting cell and cancels running taskcell jobs', async () => {
    const code = [
      'import { task, run } from "taskcell";',
      'const slow = task({ name: "slow", inputs: {}, outputs: { n: "number" } }, async (_i, ctx) => { await new Promise((r, j) => { const t = setTimeout(r, 60000); ctx.signal.addEventListener("abort", () => { clearTimeout(t); j(ctx.signal.reason); }); }); return 1; });',
      'const pending = run(slow, {});',
      'pending.catch(() => undefined);',
      'await pending;',
    ].join('\n');
    const running = k.execute(code);
    const input = await k.waitFor((m) => m.header.msg_type === 'execute_input' && m.content.code === code);
    // The job's inline display proves the job runs and the cell awaits it.
    await k.waitFor(
      (m) =>
        m.header.msg_type === 'display_data' &&
        m.parent_header.msg_id === input.parent_header.msg_id &&
        'application/vnd.taskcell.job+json' in (m.content.data as object),
    );
    await k.request('interrupt_request', {}, 'control');
    const { reply } = await running;
    expect(reply.content.status).toBe('error');
    const state = await k.execute('await pending.then(() => "done", (e: Error) => e.constructor.name)');
    expect([state.reply.content.status, state.reply.content.evalue]).toEqual(['ok', undefined]);
    expect(state.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({
      'text/plain': "'CanceledError'",
    });
  });
});
