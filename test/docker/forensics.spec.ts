/**
 * A failed docker job explains itself: against a private Docker engine, `taskcell run` of a task
 * whose container exits non-zero shows the expanded command line in its error, its ERROR event and
 * its run record (`taskcell runs show`) with the image's digest, the environment it ran with (secrets
 * redacted) and the host, and `--keep` keeps its data directory, printing where.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { IJobEvent, IRunRecord } from '@taskcell/core';
import { buildTestImages, endDockerSuite, startEngine } from './engine';
import type { ITestEngine } from './engine';

const CLI = resolve(__dirname, '..', '..', 'kernel', 'bin', 'taskcell.js');
let engine: ITestEngine;

beforeAll(async () => {
  engine = await startEngine();
  await buildTestImages(engine.docker);
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, undefined);
}, 60_000);

test("a failed docker job's error, ERROR event and run record show its expanded command line, image digest, environment and host; --keep keeps its data directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-forensics-'));
  const env = { ...process.env, DOCKER_HOST: engine.host, TASKCELL_CACHE_DIR: join(dir, 'cache'), TASKCELL_RUNS_DB: join(dir, 'runs.db') };
  const taskcell = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  const spec = join(dir, 'greet.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'greet',
      mode: 'docker',
      docker_image: 'taskcell-test/busybox:latest',
      container_args: [
        'sh',
        '-c',
        'echo $input{who} > /mnt/girder_worker/data/seen.txt; echo "no greeting for $input{who}" >&2; exit 4',
        '--',
        '$input{who}',
      ],
      inputs: [{ id: 'who', type: 'string', format: 'text' }],
      outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
      docker_run_args: { environment: { GREETING_LANG: 'en', API_TOKEN: 'hunter2', DB_PASSWORD: 'swordfish' } },
    }),
  );
  const r = taskcell(['run', spec, '--input', 'who=Ada', '--keep', 'on-failure', '--events']);
  expect(r.status).toBe(1);
  const command = ['sh', '-c', 'echo Ada > /mnt/girder_worker/data/seen.txt; echo "no greeting for Ada" >&2; exit 4', '--', 'Ada'];
  // The readable line says it as a shell would read it back.
  expect(r.stderr).toContain(`command: sh -c 'echo Ada > /mnt/girder_worker/data/seen.txt; echo "no greeting for Ada" >&2; exit 4' -- Ada`);
  const error = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{"v"'))
    .map((l) => JSON.parse(l) as IJobEvent)
    .find((e) => e.kind === 'state' && e.state === 'ERROR')?.error;
  expect(error).toMatchObject({
    code: 'taskcell:container-exit',
    context: {
      exitCode: 4,
      command,
      commandLine: `sh -c 'echo Ada > /mnt/girder_worker/data/seen.txt; echo "no greeting for Ada" >&2; exit 4' -- Ada`,
      image: 'taskcell-test/busybox:latest',
      host: hostname(),
    },
  });
  // The digest of the image it ran, as the engine names it.
  const digest = (await engine.docker.getImage('taskcell-test/busybox:latest').inspect()).Id;
  expect(error!.context.imageDigest).toBe(digest);
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  // The environment it ran with, secrets redacted: no secret value anywhere in what was printed.
  const ranWith = error!.context.env as string[];
  expect(ranWith).toEqual(expect.arrayContaining(['GREETING_LANG=en', 'API_TOKEN=***', 'DB_PASSWORD=***']));
  expect(r.stderr).not.toMatch(/hunter2|swordfish/);

  // --keep: the data directory the container wrote in stays, named on stderr.
  const kept = /taskcell: kept the working directory of the failed job: (.+)\n/.exec(r.stderr)?.[1];
  expect(kept).toBeDefined();
  expect(readFileSync(join(kept!, 'seen.txt'), 'utf8')).toBe('Ada\n');

  // The run record keeps the command line and the kept directory, as `taskcell runs show` prints it.
  const list = taskcell(['runs', 'list', '--json']);
  const id = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IRunRecord)
    .find((x) => x.task === 'greet')!.id;
  const shown = taskcell(['runs', 'show', id]);
  expect(shown.status).toBe(0);
  const record = JSON.parse(shown.stdout) as IRunRecord;
  expect(record).toMatchObject({
    state: 'ERROR',
    error: { code: 'taskcell:container-exit', context: { command, workdir: kept, imageDigest: digest, host: hostname() } },
  });
  expect(JSON.stringify(record.error)).not.toMatch(/hunter2|swordfish/);

  // --keep's one value is on-failure; anything else is a bad argument.
  const bad = taskcell(['run', spec, '--input', 'who=Ada', '--keep=always']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('Expected --keep or --keep on-failure, got --keep=always');
}, 120_000);
