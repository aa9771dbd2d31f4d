/**
 * Girder Worker's stream tests: a process's output pipe pushed to an http PUT as it writes, and an
 * http GET body fed to a process that reads it line by line. The process is the python mode's warm
 * interpreter (a child process), the pipes its streaming ports (`stream: true`), and the http ends
 * a real server on loopback; the case's data (message, body, printed lines) drives each run.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, run, setRunner } from '@taskcell/core';
import type { IJobEvent, TaskJSON } from '@taskcell/core';
import { closeRunnerAfterAll, conformance } from './harness';
import type { ICase } from './harness';

closeRunnerAfterAll();

type Json = Record<string, unknown>;

let server: Server;
let base = '';
let body = '';
const puts: Array<{ method: string; chunks: Buffer[] }> = [];
beforeAll(async () => {
  setRunner(createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-stream-')) }));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      if (req.method === 'GET') return void res.end(body);
      puts.push({ method: req.method!, chunks });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** What the job printed on each stream, as the process's stdout and stderr. */
function printed(events: IJobEvent[], stream: 'stdout' | 'stderr'): string {
  return events
    .filter((e) => e.kind === 'log' && e.log?.stream === stream)
    .map((e) => `${e.log!.line}\n`)
    .join('');
}

conformance('stream.json', async (c: ICase) => {
  const input = c.input as Json;
  const expected = c.expected as Json;
  const events: IJobEvent[] = [];
  if (c.name === 'stream.TestStream.testOutputStreams') {
    // stream_output.py: print "start", write the message into its output pipe, print "done".
    const prints = String(input.prints).split('\\n').filter(Boolean);
    const spec: TaskJSON = {
      mode: 'python',
      script: `print(${JSON.stringify(prints[0])})\ndef pipe():\n    yield ${JSON.stringify(input.writes_to_fifo)}\nout = pipe()\nprint(${JSON.stringify(prints[1])})`,
      inputs: [],
      outputs: [{ name: 'out', type: 'string', format: 'text', stream: true }],
    };
    const bound = input.fifo_bound_to as Json;
    puts.length = 0;
    await run(
      spec,
      {},
      { out: { mode: 'http', method: String(bound.method), url: `${base}/put` } },
      { cache: false, onEvent: (e) => events.push(e) },
    );
    expect(printed(events, 'stdout')).toBe(expected.stdout);
    expect(printed(events, 'stderr')).toBe(expected.stderr);
    // Girder Worker's framing chunks are its own (see the docker cases); what they carried must arrive, by the method asked.
    const chunks = expected.http_chunks_received as Array<[number, string]>;
    expect(puts.map((p) => p.method)).toEqual([bound.method]);
    const got = Buffer.concat(puts[0].chunks);
    expect(got.toString()).toBe(chunks.map(([, data]) => data).join(''));
    expect(got.length).toBe(chunks.reduce((n, [len]) => n + len, 0));
    return;
  }
  if (c.name === 'stream.TestStream.testInputStreams') {
    // stream_input.py: read the pipe line by line, print each line reversed.
    body = String(input.http_body);
    const spec: TaskJSON = {
      mode: 'python',
      script: 'for line in src:\n    print(line.rstrip("\\n")[::-1])',
      inputs: [{ name: 'src', type: 'string', format: 'text', stream: true }],
      outputs: [],
    };
    await run(spec, { src: { mode: 'http', url: `${base}/body` } }, { cache: false, onEvent: (e) => events.push(e) });
    expect(printed(events, 'stdout')).toBe(expected.stdout);
    expect(printed(events, 'stderr')).toBe(expected.stderr);
    return;
  }
  throw new Error(`no handler for case ${c.name}`);
});
