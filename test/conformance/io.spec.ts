import { JOB_STATE_CODES, createRunner, run, setRunner } from '@taskcell/core';
import type { IJobEvent, JobState } from '@taskcell/core';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertOp, closeRunnerAfterAll, conformance } from './harness';
import type { ICase, ICaseFile } from './harness';
import { asJavascript, scriptEquivalents } from './gw';

closeRunnerAfterAll();

type Json = Record<string, unknown>;

/** A real http server on loopback standing in for the hosts the cases name (foo.com, output.com). */
let server: Server;
let base = '';
const received: Array<{ method: string; url: string; body: string; headers: IncomingHttpHeaders }> = [];
beforeAll(async () => {
  setRunner(createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-io-')) }));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body, headers: req.headers });
      if (req.method === 'GET' && req.url === '/foo.com/file.txt') res.end('dummy file contents');
      else if (req.method === 'GET') res.writeHead(404).end();
      else res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Point https://host/... at the loopback server. */
function local<T>(v: T): T {
  return JSON.parse(JSON.stringify(v).replace(/https?:\/\/(foo\.com|output\.com|jobstatus)\/?/g, (_m, host) => `${base}/${host}/`)) as T;
}

/** The Girder Worker status codes a job passes through between starting and finishing (the caller sets RUNNING and SUCCESS). */
function statusCodes(events: IJobEvent[]): number[] {
  const states = events.filter((e) => e.kind === 'state' && e.state).map((e) => e.state as JobState);
  const from = states.indexOf('RUNNING') + 1;
  return states.slice(from, states.lastIndexOf('SUCCESS')).map((s) => JOB_STATE_CODES[s]);
}

function value(result: { outputs: Record<string, Json> }, target: string): unknown {
  const m = /^outputs\.(\w+)\.data(\[-(\d+):\])?$/.exec(target);
  if (!m) throw new Error(`no reading for target ${target}`);
  const data = result.outputs[m[1]].data as string;
  return m[3] ? data.slice(-Number(m[3])) : data;
}

/** One case, with the python script as written or as its JavaScript equivalent. */
const check = (language: 'javascript' | 'python') => async (c: ICase, file: ICaseFile) => {
  received.length = 0;
  const task = language === 'python' ? c.task! : asJavascript(c.task!, scriptEquivalents(file));
  const kw = c.run_kwargs ?? {};
  const events: IJobEvent[] = [];
  const r = await run(task, local(c.input as Json), local(c.outputs ?? {}), {
    cache: false,
    cleanup: kw.cleanup !== false,
    validate: kw.validate !== false,
    autoConvert: kw.auto_convert !== false,
    onEvent: (e) => events.push(e),
  });
  const result = r as unknown as { outputs: Record<string, Json> };
  for (const [k, v] of Object.entries((c.expected as Json | null) ?? {})) expect(result.outputs[k].data).toEqual((v as Json).data);
  for (const a of c.assertions ?? []) {
    if (a.target === 'job status PUT bodies') {
      expect(statusCodes(events).map((n) => `status=${n}`)).toEqual(a.value);
    } else if (a.target === 'bodies PUT to output.com') {
      const puts = received.filter((q) => q.method === 'PUT' && q.url.startsWith('/output.com/'));
      expect(puts.map((q) => q.body)).toEqual(a.value);
      // The binding's query params and headers went with it.
      expect(puts.every((q) => q.url.endsWith('?queryParam=value') && q.headers.foo === 'bar')).toBe(true);
    } else if (a.target === "'data' in outputs.foo") {
      expect('data' in result.outputs.foo).toBe(a.value);
    } else if (a.target.startsWith('file at ')) {
      const path = String(value(result, 'outputs.y.data')).slice(0, -'_suffix'.length);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(a.value);
    } else if (a.op === 'matches' && String(a.value).startsWith('^<tmp_root>')) {
      // The magic _tempdir lies under the temp root (the OS temp dir).
      expect(String(value(result, a.target)).startsWith(tmpdir())).toBe(true);
      expect(String(value(result, a.target)).length).toBeGreaterThan(tmpdir().length);
    } else {
      assertOp(value(result, a.target), a.op, a.value);
    }
  }
};

conformance('io.json', check('javascript'));
conformance('io.json', check('python'), {}, { label: 'io.json (python)', only: (c) => (c.task?.mode ?? 'python') === 'python' });
