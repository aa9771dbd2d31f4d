// Re-running from the shell: `taskcell run --from/--only` serves the steps it does not run from the
// run records; `taskcell run --keep` keeps a failed job's working directory; `taskcell rerun --local`
// runs a job that failed on a real `taskcell worker` (real redis-server) again here, failing the same way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IJobEvent, IRunRecord } from '@taskcell/core';
import { ROOT, startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
let redis: IRedisServer;
let worker: IWorkerProcess;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  redis = await startRedis();
  worker = await spawnWorker(`${redis.url}?queue=rerun`, 'rerun-worker');
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await redis?.stop();
}, 30_000);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tc-rerun-cli-'));
  env = { ...process.env, TASKCELL_CACHE_DIR: join(dir, 'cache'), TASKCELL_RUNS_DB: join(dir, 'runs.db') };
});

const taskcell = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });

const events = (stderr: string): IJobEvent[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{"v"'))
    .map((l) => JSON.parse(l) as IJobEvent);

/** What each step did: `run`, or served (`record`, a cache layer). */
function howSteps(list: IJobEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list) {
    if (e.step === undefined) continue;
    if (e.kind === 'cache' && e.cache?.hit) out[e.step] = e.cache.from ?? 'cache';
    else if (e.kind === 'state' && e.state === 'SUCCESS') out[e.step] ??= 'run';
  }
  return out;
}

const step = (name: string, script: string) => ({
  name,
  task: {
    name: `t${name}`,
    mode: 'javascript',
    script,
    inputs: [{ id: 'x', type: 'number', format: 'number' }],
    outputs: [{ id: 'y', type: 'number', format: 'number' }],
  },
});

test('taskcell run --from and --only run the named steps and serve the others from the run records, as the events say', () => {
  const spec = join(dir, 'chain.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'chain',
      mode: 'workflow',
      inputs: [{ id: 'x', type: 'number', format: 'number' }],
      outputs: [{ id: 'y', type: 'number', format: 'number' }],
      steps: [step('a', 'y = x * 2'), step('b', 'y = x * 3'), step('c', 'y = x * 5')],
      connections: [
        { name: 'x', input_step: 'a', input: 'x' },
        { output_step: 'a', output: 'y', input_step: 'b', input: 'x' },
        { output_step: 'b', output: 'y', input_step: 'c', input: 'x' },
        { name: 'y', output_step: 'c', output: 'y' },
      ],
    }),
  );
  // Without the result cache: what is served comes from the run records.
  const first = taskcell(['run', spec, '--input', 'x=1', '--no-cache', '--events']);
  expect(first.status).toBe(0);
  expect(howSteps(events(first.stderr))).toEqual({ a: 'run', b: 'run', c: 'run' });

  const from = taskcell(['run', spec, '--input', 'x=1', '--no-cache', '--events', '--from', 'b']);
  expect(from.status).toBe(0);
  expect(JSON.parse(from.stdout)).toEqual({ y: { format: 'number', data: 30 } });
  expect(howSteps(events(from.stderr))).toEqual({ a: 'record', b: 'run', c: 'run' });

  const only = taskcell(['run', spec, '--input', 'x=1', '--no-cache', '--events', '--only', 'a', '--only', 'c']);
  expect(only.status).toBe(0);
  expect(JSON.parse(only.stdout)).toEqual({ y: { format: 'number', data: 30 } });
  expect(howSteps(events(only.stderr))).toEqual({ a: 'run', b: 'record', c: 'run' });

  // Other inputs: no record holds step a for them.
  const missing = taskcell(['run', spec, '--input', 'x=7', '--no-cache', '--from', 'c']);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/\[taskcell:not-served\] Step "a" is not re-run, so its outputs \(y\) must be served/);
  const unknown = taskcell(['run', spec, '--input', 'x=1', '--from', 'nope']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toMatch(/has no step "nope" to run; its steps are: a, b, c/);
});

test('taskcell run --keep keeps the working directory of a job that fails and prints where it is', () => {
  const spec = join(dir, 'reads.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'reads',
      mode: 'javascript',
      script: 'throw new Error("cannot use " + text)',
      inputs: [{ id: 'text', type: 'string', format: 'text', target: 'filepath', filename: 'notes.txt' }],
      outputs: [{ id: 'n', type: 'number', format: 'number' }],
    }),
  );
  const kept = taskcell(['run', spec, '--input', 'text="some notes"', '--keep']);
  expect(kept.status).toBe(1);
  const where = /taskcell: kept the working directory of the failed job: (.+)\n/.exec(kept.stderr)?.[1];
  expect(where).toBeDefined();
  expect(readdirSync(where!)).toContain('notes.txt');
  // Without --keep the directory goes, as always.
  const gone = taskcell(['run', spec, '--input', 'text="some notes"']);
  expect(gone.status).toBe(1);
  expect(gone.stderr).not.toMatch(/kept the working directory|"workdir"/);
});

test('taskcell rerun --local runs a job that failed on a remote worker again in this process, failing with the same error code', () => {
  const spec = join(dir, 'half.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'half',
      mode: 'javascript',
      // An odd x makes an output that is not an integer: a validation error, wherever it runs.
      script: 'n = x / 2',
      inputs: [{ id: 'x', type: 'integer', format: 'integer' }],
      outputs: [{ id: 'n', type: 'integer', format: 'integer' }],
    }),
  );
  const remote = taskcell(['run', spec, '--input', 'x=7', '--on', `${redis.url}?queue=rerun`, '--no-cache']);
  expect(remote.status).toBe(1);
  const code = /taskcell: \[([\w:-]+)\]/.exec(remote.stderr)?.[1];
  expect(code).toBe('taskcell:validation');

  const list = taskcell(['runs', 'list', '--json']);
  const failed = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IRunRecord)
    .find((r) => r.task === 'half' && r.parentId === undefined)!;
  expect(failed).toMatchObject({ state: 'ERROR', place: { kind: 'remote', name: 'rerun-worker' }, error: { code } });

  const again = taskcell(['rerun', failed.id, '--local', '--events']);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(new RegExp(`running again run ${failed.id} \\(half, ERROR on remote:rerun-worker\\) in this process`));
  expect(/taskcell: \[([\w:-]+)\]/.exec(again.stderr)?.[1]).toBe(code);
  const running = events(again.stderr).find((e) => e.kind === 'state' && e.state === 'RUNNING');
  expect(running?.place?.kind).toBe('in-process');

  const none = taskcell(['rerun', 'no-such-run']);
  expect(none.status).toBe(2);
  expect(none.stderr).toMatch(/No recorded run "no-such-run"/);
});
