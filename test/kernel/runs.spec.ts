// The kernel records the runs a cell starts, with the notebook (Jupyter's session name) and the cell's id.
import { join } from 'node:path';
import { SqliteRunStore } from '@taskcell/core';
import { KernelClient } from './client';

describe('run records from the kernel', () => {
  const k = new KernelClient();
  beforeAll(async () => {
    await k.start();
    // Jupyter names the notebook in the kernel's environment; a cell sets it here, read by the next cell.
    const set = await k.execute('process.env.JPY_SESSION_NAME = "challenge/loop.ipynb";');
    expect(set.reply.content.status).toBe('ok');
  });
  afterAll(() => k.close());

  it('records a run with its notebook and cell in .taskcell/runs.db of the working directory', async () => {
    const code = [
      'import { task, run, runs } from "taskcell";',
      'const half = task({ name: "half", inputs: { x: "number" }, outputs: { y: "number" } }, ({ x }) => x / 2);',
      'const r = await run(half, { x: 8 }, { cache: false });',
      'runs({ task: "half" }).map((x) => `${x.id === r.jobId} ${x.state} ${x.cell}`).join(",")',
    ].join('\n');
    const { reply, iopub } = await k.exchange('execute_request', { code, silent: false, store_history: true }, 'shell', {
      cellId: 'cell-42',
    });
    expect([reply.content.status, reply.content.evalue]).toEqual(['ok', undefined]);
    const result = iopub.find((m) => m.header.msg_type === 'execute_result');
    expect((result?.content.data as Record<string, string>)['text/plain']).toContain('true SUCCESS cell-42');
    // Read by another connection while the kernel keeps it open.
    const store = new SqliteRunStore({ path: join(k.dir, '.taskcell', 'runs.db'), readOnly: true });
    try {
      expect(store.list({ task: 'half' })).toEqual([
        expect.objectContaining({
          kind: 'task',
          state: 'SUCCESS',
          notebook: 'challenge/loop.ipynb',
          cell: 'cell-42',
          inputs: { x: 8 },
          outputs: { y: { format: 'number', data: 4 } },
          place: { kind: 'in-process' },
        }),
      ]);
    } finally {
      store.close();
    }
  });
});

describe('map in the kernel', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it("shows a map's result as its table through the table renderer", async () => {
    const code = [
      'import { task, map } from "taskcell";',
      'const inc = task({ name: "inc", inputs: { x: "number" }, outputs: { y: "number" } }, ({ x }) => x + 1);',
      'await map(inc, [1, 2, 3])',
    ].join('\n');
    const { reply, iopub } = await k.execute(code);
    expect([reply.content.status, reply.content.evalue]).toEqual(['ok', undefined]);
    const data = iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data as Record<
      string,
      { fields: string[]; rows: unknown[] }
    >;
    const table = data['application/vnd.taskcell.table+json'];
    expect(table.fields).toEqual(['item', 'state', 'y', 'cached', 'duration', 'place', 'error']);
    expect(table.rows).toEqual([
      expect.objectContaining({ item: 0, state: 'SUCCESS', y: 2, place: 'in-process' }),
      expect.objectContaining({ item: 1, state: 'SUCCESS', y: 3 }),
      expect.objectContaining({ item: 2, state: 'SUCCESS', y: 4 }),
    ]);
  });
});
