// The kernel opens its run database when the first run is recorded: a cell that runs no task leaves
// no database behind, and the first task's run is there for `taskcell runs list` after it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IRunRecord } from '@taskcell/core';
import { KernelClient, ROOT } from './client';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');

describe('the run database of a kernel', () => {
  const k = new KernelClient();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TASKCELL_RUNS_DB;
  delete env.TASKCELL_RUNS;
  beforeAll(() => k.start(k.dir, env), 60_000);
  afterAll(() => k.close());

  it('is not made by a cell that runs no task, and lists the run of the first cell that runs one', async () => {
    const db = join(k.dir, '.taskcell', 'runs.db');
    const plain = await k.execute('1+1');
    expect(plain.reply.content.status).toBe('ok');
    expect(existsSync(db)).toBe(false);

    const code = [
      'import { task, run } from "taskcell";',
      'const third = task({ name: "third", inputs: { x: "number" }, outputs: { y: "number" } }, ({ x }) => x / 3);',
      'const r = await run(third, { x: 9 }, { cache: false, card: false });',
      'r.jobId',
    ].join('\n');
    const ran = await k.execute(code);
    expect([ran.reply.content.status, ran.reply.content.evalue]).toEqual(['ok', undefined]);
    const result = ran.iopub.find((m) => m.header.msg_type === 'execute_result');
    const jobId = JSON.parse((result?.content.data as Record<string, string>)['text/plain'].replace(/'/g, '"')) as string;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(existsSync(db)).toBe(true);

    // Read by another process while the kernel keeps the database open.
    let listed: IRunRecord[] = [];
    for (let i = 0; i < 50 && !listed.some((r) => r.id === jobId && r.state === 'SUCCESS'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      const list = spawnSync(process.execPath, [CLI, 'runs', 'list', '--json'], { cwd: k.dir, env, encoding: 'utf8', timeout: 30_000 });
      expect([list.status, list.stderr]).toEqual([0, '']);
      listed = list.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as IRunRecord);
    }
    expect(listed).toEqual([
      expect.objectContaining({ id: jobId, task: 'third', state: 'SUCCESS', outputs: { y: { format: 'number', data: 3 } } }),
    ]);
  }, 120_000);
});
