// Run records keep a spec's environment with the values of secret-looking names as `***`; a rerun
// takes them from its own environment, or fails naming them. The database opens at the first run.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingSecretsError, parseTask, recordRuns, redactEnv, redactSpecEnv, restoreSecrets, run, runRecorder } from '@taskcell/core';
import type { RunRecorder, TaskJSON } from '@taskcell/core';
import { freshRunner, thrown } from './helpers';

const SECRET = 'tc-s3cret-value-4242';

/** A javascript task whose spec carries a docker-style environment (kept by the spec, unused by the mode). */
const spec = (environment: unknown): TaskJSON => ({
  name: 'envy',
  mode: 'javascript',
  script: 'y = x + 1',
  inputs: [{ id: 'x', type: 'number', format: 'number' }],
  outputs: [{ id: 'y', type: 'number', format: 'number' }],
  docker_run_args: { environment },
});

let recorder: RunRecorder | undefined;
afterEach(() => {
  recorder?.dispose();
  recorder = undefined;
});

test('the secret rule: names with secret, token, passw, pwd, key, credential, auth, cookie, session or private', () => {
  const env = ['API_TOKEN=a', 'DB_PASSWORD=b', 'PWD=c', 'SSH_KEY=d', 'AWS_CREDENTIALS=e', 'AUTH=f', 'COOKIE=g', 'SESSION_ID=h'];
  expect(redactEnv([...env, 'PRIVATE_X=i', 'MY_SECRET=j', 'LANG=en', 'EMPTY=', 'FROM_HOST'])).toEqual([
    ...env.map((e) => e.replace(/=.*/, '=***')),
    'PRIVATE_X=***',
    'MY_SECRET=***',
    'LANG=en',
    'EMPTY=',
    'FROM_HOST',
  ]);
});

test("a spec's environment fields, as an object or as NAME=value strings, in a workflow's steps too, keep their names and hide secret values", () => {
  const wf: TaskJSON = {
    mode: 'workflow',
    env: { TOKEN: SECRET, LANG: 'en' },
    steps: [{ name: 's', task: spec(['API_KEY=' + SECRET, 'LANG=en', 'FROM_HOST']) }],
  };
  expect(redactSpecEnv(wf)).toEqual({
    mode: 'workflow',
    env: { TOKEN: '***', LANG: 'en' },
    steps: [{ name: 's', task: spec(['API_KEY=***', 'LANG=en', 'FROM_HOST']) }],
  });
  // The spec given is left as it was.
  expect((wf.env as Record<string, string>).TOKEN).toBe(SECRET);
});

test('restoreSecrets takes each redacted value from the environment, or names every variable it lacks', () => {
  const kept = redactSpecEnv(spec({ API_TOKEN: SECRET, DB_PASSWORD: 'pw', LANG: 'en' }));
  expect(restoreSecrets(kept, 'r1', { API_TOKEN: 'now', DB_PASSWORD: 'pw2' })).toEqual(
    spec({ API_TOKEN: 'now', DB_PASSWORD: 'pw2', LANG: 'en' }),
  );
  const err = thrown<MissingSecretsError>(() => restoreSecrets(kept, 'r1', { DB_PASSWORD: 'pw2' }));
  expect(err).toBeInstanceOf(MissingSecretsError);
  expect(err.code).toBe('taskcell:missing-secrets');
  expect(err.context).toEqual({ run: 'r1', variables: ['API_TOKEN'] });
  expect(err.message).toBe(
    'Run r1 needs the environment variable API_TOKEN: its record keeps secret values as ***, so they are taken from the environment of the rerun, where it is not set',
  );
});

test('the run database file holds no secret value, and opens only when the first run is recorded', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tc-secrets-')), 'runs.db');
  recorder = recordRuns(freshRunner(), { path });
  expect(recorder.isOpen).toBe(false);
  expect(existsSync(path)).toBe(false);
  const r = await run(parseTask(spec({ API_TOKEN: SECRET, LANG: 'en' })), { x: 1 }, { cache: false });
  expect(r.data).toEqual({ y: 2 });
  expect(recorder.isOpen).toBe(true);
  const record = recorder.store.get(r.jobId)!;
  expect(record.spec?.docker_run_args).toEqual({ environment: { API_TOKEN: '***', LANG: 'en' } });
  recorder.dispose();
  const bytes = readFileSync(path);
  expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
  // The record itself is there, its kept names with it.
  expect(bytes.includes(Buffer.from('API_TOKEN'))).toBe(true);
  expect(bytes.includes(Buffer.from(r.jobId))).toBe(true);
});

test('a recorder that records nothing never makes its database', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tc-secrets-')), 'runs.db');
  recorder = recordRuns(freshRunner(), { path });
  recorder.dispose();
  expect(existsSync(path)).toBe(false);
});

test('a database that cannot be opened at the first run leaves the run unrecorded with a warning, and recording ends', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tc-secrets-')), 'a-file');
  writeFileSync(file, '');
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    recorder = recordRuns(freshRunner(), { path: join(file, 'runs.db') });
    const r = await run(parseTask(spec({ LANG: 'en' })), { x: 2 }, { cache: false });
    expect(r.data).toEqual({ y: 3 });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^taskcell: runs are not recorded: .*a-file/));
    expect(recorder.isDisposed).toBe(true);
    expect(runRecorder()).toBeUndefined();
  } finally {
    warn.mockRestore();
  }
});
