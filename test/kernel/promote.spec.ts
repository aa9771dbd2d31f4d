// "Promote cell to task" through the kernel API the UI command uses (a comm to `taskcell.promote`),
// over real zeromq sockets: the cell's free variables from earlier cells become typed inputs, the
// names later cells use become outputs, and the task cell it returns runs in the kernel, on threads,
// giving what the cell computed.
import { randomUUID } from 'node:crypto';
import { KernelClient } from './client';
import type { IExchange } from './client';

const BEFORE = [
  "import { task, run } from 'taskcell';",
  [
    'const xs = [3, 1, 4, 1, 5];',
    "const label = 'sum';",
    "const rows = [{ name: 'a', v: 1 }, { name: 'b', v: 2 }];",
    'let scale = 2;',
    'const lookup = new Map([[1, 10]]);',
    'function double(x: number): number {',
    '  return x * 2;',
    '}',
  ].join('\n'),
];
const CELL = [
  'const total = double(xs.reduce((a, b) => a + b, 0)) * scale;',
  'const names = rows.map((r) => `${label}:${r.name}`);',
  'const first = lookup.get(1);',
  'const unused = total + 1;',
].join('\n');
const AFTER = ['console.log(total, names.length, first);'];

const stdout = (x: IExchange): string =>
  x.iopub
    .filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout')
    .map((m) => String(m.content.text))
    .join('');

const k = new KernelClient();
beforeAll(() => k.start(), 60_000);
afterAll(() => k.close());

/** Ask the kernel to promote `cell`; its answer. */
async function promote(data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const commId = randomUUID();
  await k.notify('comm_open', { comm_id: commId, target_name: 'taskcell.promote', data });
  const msg = await k.waitFor((m) => m.header.msg_type === 'comm_msg' && m.content.comm_id === commId, 60_000);
  await k.waitFor((m) => m.header.msg_type === 'comm_close' && m.content.comm_id === commId);
  return msg.content.data as Record<string, unknown>;
}

test('a promoted cell gives a task whose ports have the types of its variables', async () => {
  const r = await promote({ cell: CELL, before: BEFORE, after: AFTER, name: 'summarize' });
  expect(r.ok).toBe(true);
  expect(r.inputs).toEqual({ xs: 'number_list', label: 'string', rows: 'table:objectlist', scale: 'number', lookup: 'python' });
  // `unused` is not read later, `double` is a helper the task calls, not an input.
  expect(r.outputs).toEqual({ total: 'number', names: 'string_list', first: 'number' });
  expect(r.unclear).toEqual({ lookup: 'Map<number, number>' });
  expect(r.name).toBe('summarize');
  expect(r.code).toMatch(/^\/\/ Port "lookup" has the TypeScript type Map<number, number>/);
}, 120_000);

test('the task cell it returns runs in the kernel and on threads, giving what the cell computed', async () => {
  const r = await promote({ cell: 'const total = double(xs.reduce((a, b) => a + b, 0)) * scale;', before: BEFORE, after: AFTER });
  expect(r).toMatchObject({ ok: true, name: 'totalTask', inputs: { xs: 'number_list', scale: 'number' }, outputs: { total: 'number' } });
  for (const cell of BEFORE) expect((await k.execute(cell)).reply.content.status).toBe('ok');
  const created = await k.execute(String(r.code));
  expect(created.reply.content).toEqual(expect.objectContaining({ status: 'ok' }));
  const ran = await k.execute(
    [
      'const here = await run(totalTask, { xs, scale });',
      "const there = await run(totalTask, { xs, scale }, { on: 'threads', cache: false });",
      'console.log(JSON.stringify([here.data.total, there.data.total]));',
    ].join('\n'),
  );
  expect(ran.reply.content).toEqual(expect.objectContaining({ status: 'ok' }));
  expect(JSON.parse(stdout(ran).trim())).toEqual([56, 56]);
}, 120_000);

test('a request without the cell is answered with a typed error', async () => {
  const r = await promote({ before: [], after: [] });
  expect(r.ok).toBe(false);
  expect(r.error).toMatchObject({ code: 'taskcell:option', message: expect.stringContaining('Expected `cell`') });
}, 60_000);
