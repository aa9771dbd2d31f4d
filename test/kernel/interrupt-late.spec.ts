// An interrupt belongs to the work it was sent for. The I/O thread raises SIGINT until the main
// thread has seen it; a signal raised after the loop it was meant for was broken must not end the
// next cell, and a task the watchdog stopped at its timeout must not leave the kernel without its
// SIGINT listener (the next SIGINT would then end the kernel).
import { KernelClient } from './client';
import type { IMsg } from './client';
import { spinCell, timeoutCell } from './spin-cells';

/** The text/plain of a cell's execute_result. */
const plain = (iopub: IMsg[]): unknown => iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data;

/** Resolves with how the kernel process ended, once it has. */
function ended(k: KernelClient): Promise<string> {
  return new Promise((resolve) => k.proc?.once('exit', (code, signal) => resolve(`the kernel ended (${signal ?? code})`)));
}

describe('after a task was stopped at its timeout on the kernel thread', () => {
  const k = new KernelClient();
  beforeAll(() => k.start(), 60_000);
  afterAll(() => k.close());

  test('an interrupt_request while idle leaves the kernel running, and the next cell runs', async () => {
    const timedOut = await k.execute(timeoutCell('spin', 1000));
    expect(plain(timedOut.iopub)).toMatchObject({ 'text/plain': "'taskcell:timeout'" });
    const gone = ended(k);
    // Nothing runs: the SIGINT the interrupt raises reaches the kernel's listener, which must still be there.
    const answer = await Promise.race([k.request('interrupt_request', {}, 'control').then(() => 'replied'), gone]);
    expect(answer).toBe('replied');
    const next = await Promise.race([k.execute('2 + 2').then((r) => plain(r.iopub)), gone]);
    expect(next).toMatchObject({ 'text/plain': '4' });
  }, 60_000);

  test('an interrupt_request still ends a task loop, and the next cell runs', async () => {
    const running = k.execute(spinCell('spinAfter'));
    await k.waitFor((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('looping'));
    await k.request('interrupt_request', {}, 'control');
    expect((await running).reply.content.status).toBe('error');
    expect(plain((await k.execute('3 + 3')).iopub)).toMatchObject({ 'text/plain': '6' });
  }, 60_000);
});

describe('an interrupt that broke a task loop', () => {
  const k = new KernelClient();
  beforeAll(() => k.start(), 60_000);
  afterAll(() => k.close());

  test('does not reach the awaited work of the cell sent right after it', async () => {
    // Several rounds: each sends the next cell at once behind the interrupt, so it starts while
    // the I/O thread could still be raising SIGINT for the loop that was already broken.
    for (let round = 0; round < 4; round++) {
      const code = spinCell(`spin${round}`);
      // The next cell must run even though this one fails.
      const running = k.execute(code, { stop_on_error: false });
      const input = await k.waitFor((m) => m.header.msg_type === 'execute_input' && m.content.code === code);
      await k.waitFor(
        (m) =>
          m.header.msg_type === 'stream' &&
          m.parent_header.msg_id === input.parent_header.msg_id &&
          String(m.content.text).includes('looping'),
      );
      const interrupt = k.request('interrupt_request', {}, 'control');
      const next = k.execute(`await new Promise((r) => setTimeout(r, 1500)); "round ${round} awaited"`);
      expect((await interrupt).content.status).toBe('ok');
      expect((await running).reply.content.status).toBe('error');
      const after = await next;
      expect([after.reply.content.status, after.reply.content.evalue]).toEqual(['ok', undefined]);
      expect(plain(after.iopub)).toMatchObject({ 'text/plain': `'round ${round} awaited'` });
    }
  }, 120_000);
});
