// `taskcell run --on threads|redis://...` and `taskcell worker` from the shell, against a real redis-server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
let redis: IRedisServer;
let worker: IWorkerProcess;
let spec: string;

beforeAll(async () => {
  redis = await startRedis();
  worker = await spawnWorker(`${redis.url}?queue=cli`, 'cli-worker');
  spec = join(mkdtempSync(join(tmpdir(), 'tc-cli-')), 'inc.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'inc',
      mode: 'javascript',
      script: 'y = x + 1',
      inputs: [{ id: 'x', type: 'number', format: 'number' }],
      outputs: [{ id: 'y', type: 'number', format: 'number' }],
    }),
  );
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await redis?.stop();
});

const taskcell = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });

test.each(['threads', 'redis'])('taskcell run --on %s runs the spec there and exits', (where) => {
  const on = where === 'threads' ? 'threads' : `${redis.url}?queue=cli`;
  const t0 = Date.now();
  const r = taskcell(['run', spec, '--input', 'x=41', '--on', on, '--no-cache', '--events']);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ y: { format: 'number', data: 42 } });
  const running = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { kind: string; state?: string; place?: { kind: string; name?: string } })
    .find((e) => e.kind === 'state' && e.state === 'RUNNING');
  expect(running?.place?.kind).toBe(where === 'threads' ? 'thread' : 'remote');
  if (where === 'redis') expect(running?.place?.name).toBe('cli-worker');
  expect(Date.now() - t0).toBeLessThan(10_000);
});

test('taskcell worker without --redis is a usage error', () => {
  const r = taskcell(['worker']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/taskcell worker needs --redis URL/);
});
