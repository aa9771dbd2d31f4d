// Re-running a workflow from a step through the kernel API the Tasks panel's DAG uses (a comm to
// `taskcell.rerun`), over real zeromq sockets: the kernel starts the workflow of a job of its own
// again with `only` or `from`, answers with the new job's id, and refuses what it cannot re-run.
import { randomUUID } from 'node:crypto';
import { KernelClient } from './client';
import type { IExchange } from './client';

const k = new KernelClient();
beforeAll(() => k.start(), 60_000);
afterAll(() => k.close());

const stdout = (x: IExchange): string =>
  x.iopub
    .filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout')
    .map((m) => String(m.content.text))
    .join('');

/** Ask the kernel to re-run; its answer. */
async function rerun(data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const commId = randomUUID();
  await k.notify('comm_open', { comm_id: commId, target_name: 'taskcell.rerun', data });
  const msg = await k.waitFor((m) => m.header.msg_type === 'comm_msg' && m.content.comm_id === commId, 60_000);
  await k.waitFor((m) => m.header.msg_type === 'comm_close' && m.content.comm_id === commId);
  return msg.content.data as Record<string, unknown>;
}

test('the kernel re-runs a workflow job of its own from a step, serving the steps before it, and refuses other requests', async () => {
  const setup = await k.execute(
    [
      "import { task, workflow, run } from 'taskcell';",
      'const seen: Record<string, number> = ((globalThis as any).seen ??= {});',
      'const step = (name: string) =>',
      "  task({ name, inputs: { x: 'number' }, outputs: { y: 'number' }, cache: false }, ({ x }) => {",
      '    const s = (globalThis as any).seen;',
      '    s[name] = (s[name] ?? 0) + 1;',
      '    return x + 1;',
      '  });',
      "const wf = workflow('two').step('a', step('ta')).step('b', step('tb')).connect('a.y', 'b.x');",
      "const first = await run(wf, { x: 1 }, { card: false, jobId: 'wf-first' });",
      'console.log(JSON.stringify(first.data));',
    ].join('\n'),
  );
  expect(stdout(setup)).toContain('{"y":3}');

  const answer = await rerun({ jobId: 'wf-first', step: 'b', how: 'from' });
  expect(answer).toMatchObject({ ok: true });
  const jobId = answer.jobId as string;
  const check = await k.execute(
    [
      "import { runRecord } from '@taskcell/core';",
      `for (let i = 0; i < 100 && runRecord(${JSON.stringify(jobId)})?.state !== 'SUCCESS'; i++) await new Promise((r) => setTimeout(r, 50));`,
      `console.log(runRecord(${JSON.stringify(jobId)})?.state, JSON.stringify((globalThis as any).seen));`,
    ].join('\n'),
  );
  // b ran again; a was served from the run records.
  expect(stdout(check)).toContain('SUCCESS {"ta":1,"tb":2}');

  const unknown = await rerun({ jobId: 'no-such-job', step: 'b', how: 'only' });
  expect(unknown).toMatchObject({ ok: false, error: { code: 'taskcell:option' } });
  expect((unknown.error as { message: string }).message).toMatch(/No workflow job "no-such-job"/);
  const bad = await rerun({ jobId: 'wf-first', step: 'b', how: 'sideways' });
  expect(bad).toMatchObject({ ok: false, error: { message: 'Expected `how` to be "only" or "from", got "sideways"' } });
}, 120_000);

test("a workflow kept only in the run records is re-run with its secret environment taken from the kernel's, or refused naming the variable", async () => {
  // A record of a workflow run by another process: its spec keeps API_TOKEN as *** (as every record does).
  const setup = await k.execute(
    [
      "import { recordRuns, getRunner } from '@taskcell/core';",
      'const one = {',
      "  name: 'one', mode: 'workflow', env: { API_TOKEN: '***', LANG: 'en' },",
      "  inputs: [{ id: 'x', type: 'number', format: 'number' }], outputs: [{ id: 'y', type: 'number', format: 'number' }],",
      "  steps: [{ name: 'a', task: { name: 'ta', mode: 'javascript', script: 'y = x + 1', inputs: [{ id: 'x', type: 'number', format: 'number' }], outputs: [{ id: 'y', type: 'number', format: 'number' }] } }],",
      "  connections: [{ name: 'x', input_step: 'a', input: 'x' }, { name: 'y', output_step: 'a', output: 'y' }],",
      '};',
      "recordRuns(getRunner()).store.put({ id: 'wf-elsewhere', kind: 'workflow', state: 'SUCCESS', started: Date.now(), spec: one, inputs: { x: 1 } });",
      'delete process.env.API_TOKEN;',
    ].join('\n'),
  );
  expect([setup.reply.content.status, setup.reply.content.evalue]).toEqual(['ok', undefined]);

  const refused = await rerun({ jobId: 'wf-elsewhere', step: 'a', how: 'only' });
  expect(refused).toMatchObject({
    ok: false,
    error: { code: 'taskcell:missing-secrets', context: { run: 'wf-elsewhere', variables: ['API_TOKEN'] } },
  });
  expect((refused.error as { message: string }).message).toMatch(/^Run wf-elsewhere needs the environment variable API_TOKEN:/);

  await k.execute("process.env.API_TOKEN = 'tc-kernel-token';");
  const answer = await rerun({ jobId: 'wf-elsewhere', step: 'a', how: 'only' });
  expect(answer).toMatchObject({ ok: true });
  const jobId = JSON.stringify(answer.jobId);
  const check = await k.execute(
    [
      "import { runRecord } from '@taskcell/core';",
      `for (let i = 0; i < 100 && runRecord(${jobId})?.state !== 'SUCCESS'; i++) await new Promise((r) => setTimeout(r, 50));`,
      `console.log(runRecord(${jobId})?.state, JSON.stringify(runRecord(${jobId})?.spec?.env), JSON.stringify(runRecord(${jobId})?.outputs));`,
    ].join('\n'),
  );
  // It ran, and its own record keeps the token redacted again.
  expect(stdout(check)).toContain('SUCCESS {"API_TOKEN":"***","LANG":"en"} {"y":{"format":"number","data":2}}');
}, 120_000);
