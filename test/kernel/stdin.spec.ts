import { KernelClient } from './client';

describe('stdin', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it('prompt() in a cell gets its answer over stdin', async () => {
    const prompts: string[] = [];
    k.onInput = (m) => {
      prompts.push(String(m.content.prompt));
      return m.content.password ? 'secret' : 'Ada';
    };
    const { reply, iopub } = await k.execute('const name = prompt("Your name?"); `hello ${name}`');
    expect(reply.content.status).toBe('ok');
    expect(prompts).toEqual(['Your name?']);
    expect(iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': "'hello Ada'" });
    const pw = await k.execute('import { password } from "taskcell"; password("pin?")!.length');
    expect(pw.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': '6' });
  });

  it('prompt() fails with a typed error when the frontend does not allow stdin', async () => {
    const { reply } = await k.execute('prompt("x")', { allow_stdin: false });
    expect(reply.content.status).toBe('error');
    expect(String(reply.content.ename)).toContain('taskcell:stdin');
  });
});
