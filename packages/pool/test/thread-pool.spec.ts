import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError, createRunner, setRunner, task, run } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { PoolError, ThreadPool, registerPools } from '@taskcell/pool';

let runner: Runner;
beforeEach(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-threads-')) });
  setRunner(runner);
});
afterEach(() => runner.close());

describe('ThreadPool', () => {
  test('its size must be an integer >= 1', () => {
    expect(() => new ThreadPool({ size: 0 })).toThrow('Expected `size` to be an integer >= 1, got `0`');
    expect(new ThreadPool({ size: 3 }).threadCount).toBe(3);
  });

  test('a thread that dies fails its jobs with a PoolError, and the pool goes on', async () => {
    const pool = new ThreadPool({ size: 1 });
    runner.registerPool('one', () => pool);
    const die = task({ name: 'die', inputs: {}, outputs: { y: 'number' } }, () => process.exit(3));
    await expect(run(die, {}, { on: 'one', cache: false })).rejects.toThrow(PoolError);
    const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
    await expect(run(inc, { x: 1 }, { on: 'one', cache: false })).resolves.toMatchObject({ data: { y: 2 } });
  });

  test('close is idempotent, and a closed pool refuses jobs', async () => {
    const pool = new ThreadPool({ size: 1 });
    runner.registerPool('closing', () => pool);
    const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
    await run(inc, { x: 1 }, { on: 'closing', cache: false });
    await pool.close();
    await pool.close();
    await expect(run(inc, { x: 1 }, { on: 'closing', cache: false })).rejects.toThrow('The thread pool is closed; expected an open pool');
  });
});

describe('registerPools', () => {
  test('registers "threads" and "redis", and its disposable removes them', async () => {
    const reg = registerPools(runner);
    const inc = task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
    await expect(run(inc, { x: 1 }, { on: 'threads', cache: false })).resolves.toMatchObject({ data: { y: 2 } });
    await runner.close();
    reg.dispose();
    await expect(run(inc, { x: 1 }, { on: 'redis://127.0.0.1:1', cache: false })).rejects.toThrow(OptionError);
  });
});
