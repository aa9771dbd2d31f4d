import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KernelClient } from './client';

describe('message signatures', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  const marker = (name: string): string => join(k.dir, name);
  const writeCode = (name: string): string => `require("node:fs").writeFileSync(${JSON.stringify(marker(name))}, "ran")`;

  it('executes a correctly signed request', async () => {
    const { reply } = await k.execute(writeCode('signed'));
    expect(reply.content.status).toBe('ok');
    expect(readdirSync(k.dir)).toContain('signed');
  });

  it.each([
    ['a wrong key', 'not-the-key'],
    ['no signature', ''],
  ])('rejects a request with %s and does not execute it', async (_what, key) => {
    const name = `unsigned-${key ? 'wrong' : 'none'}`;
    const bad = k.frames(
      'execute_request',
      { code: writeCode(name), silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      key,
    );
    await k.shell.send(bad.frames);
    // A good request sent after the bad one is answered; the bad one never is.
    const { reply } = await k.execute('1');
    expect(reply.content.status).toBe('ok');
    expect(readdirSync(k.dir)).not.toContain(name);
    expect(k.received.some((m) => m.parent_header.msg_id === bad.id)).toBe(false);
  });

  it('rejects a tampered request (content changed after signing)', async () => {
    const good = k.frames('execute_request', {
      code: '1',
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    good.frames[5] = Buffer.from(
      JSON.stringify({
        code: writeCode('tampered'),
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      }),
    );
    await k.shell.send(good.frames);
    await k.execute('2');
    expect(readdirSync(k.dir)).not.toContain('tampered');
  });

  it('rejects a badly signed interrupt on control', async () => {
    const running = k.execute('const t0 = Date.now(); while (Date.now() - t0 < 1500) {} "finished"');
    await k.waitFor((m) => m.header.msg_type === 'execute_input' && String(m.content.code).startsWith('const t0'));
    await k.control.send(k.frames('interrupt_request', {}, 'wrong').frames);
    const { reply, iopub } = await running;
    expect(reply.content.status).toBe('ok');
    expect(iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': "'finished'" });
  });
});
