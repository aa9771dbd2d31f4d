/**
 * Secrets stay out of run records: against a private Docker engine, `taskcell run` of a task whose
 * `docker_run_args.environment` holds a token leaves a run database whose bytes do not contain it;
 * `taskcell rerun` takes the token from its own environment into the container, and without it
 * fails before anything starts with a typed error naming the variable.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { IRunRecord } from '@taskcell/core';
import { buildBusyboxImage, endDockerSuite, startEngine } from './engine';
import type { ITestEngine } from './engine';

const CLI = resolve(__dirname, '..', '..', 'kernel', 'bin', 'taskcell.js');
const IMAGE = 'taskcell-test/busybox:latest';
const TOKEN = 'tc-first-token-7f3a91';
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
let engine: ITestEngine;

beforeAll(async () => {
  engine = await startEngine();
  await buildBusyboxImage(engine.docker, [IMAGE]);
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, undefined);
}, 60_000);

test('the run database holds no secret value; a rerun takes it from its environment, or fails naming the variable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-rerun-secrets-'));
  const db = join(dir, 'runs.db');
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: engine.host,
    TASKCELL_CACHE_DIR: join(dir, 'cache'),
    TASKCELL_RUNS_DB: db,
  };
  delete base.API_TOKEN;
  const taskcell = (args: string[], env: NodeJS.ProcessEnv = base) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  const spec = join(dir, 'signed.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'signed',
      mode: 'docker',
      docker_image: IMAGE,
      // The container shows a digest of the token it was given, so its output does not hold the token itself.
      container_args: ['sh', '-c', 'printf %s "$API_TOKEN" | md5sum | cut -d" " -f1; echo "lang=$GREETING_LANG"'],
      inputs: [],
      outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
      docker_run_args: { environment: { GREETING_LANG: 'en', API_TOKEN: TOKEN } },
    }),
  );
  const first = taskcell(['run', spec]);
  expect({ status: first.status, stderr: first.stderr }).toMatchObject({ status: 0 });
  expect(JSON.parse(first.stdout)._stdout.data).toBe(`${md5(TOKEN)}\nlang=en\n`);

  // Every byte of the database: the token is nowhere, the names are kept.
  const bytes = readFileSync(db);
  expect(bytes.includes(Buffer.from(TOKEN))).toBe(false);
  const listed = taskcell(['runs', 'list', '--json']);
  const records = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as IRunRecord);
  expect(records).toHaveLength(1);
  const id = records[0].id;
  expect(records[0].spec?.docker_run_args).toEqual({ environment: { GREETING_LANG: 'en', API_TOKEN: '***' } });

  // With API_TOKEN set, the rerun passes that value into the container.
  const again = taskcell(['rerun', id], { ...base, API_TOKEN: 'tc-token-of-the-rerun' });
  expect({ status: again.status, stderr: again.stderr }).toMatchObject({ status: 0 });
  expect(JSON.parse(again.stdout)._stdout.data).toBe(`${md5('tc-token-of-the-rerun')}\nlang=en\n`);

  // Without it, the rerun fails before it starts, naming the variable it needs.
  const runsBefore = taskcell(['runs', 'list', '--json']).stdout.split('\n').filter(Boolean).length;
  const refused = taskcell(['rerun', id]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain(`taskcell: [taskcell:missing-secrets] Run ${id} needs the environment variable API_TOKEN:`);
  const error = JSON.parse(refused.stderr.split('\n').find((l) => l.startsWith('{"error"'))!) as { error: { context: unknown } };
  expect(error.error.context).toEqual({ run: id, variables: ['API_TOKEN'] });
  expect(refused.stdout).toBe('');
  expect(taskcell(['runs', 'list', '--json']).stdout.split('\n').filter(Boolean).length).toBe(runsBefore);
  expect(readFileSync(db).includes(Buffer.from('tc-token-of-the-rerun'))).toBe(false);
}, 180_000);
