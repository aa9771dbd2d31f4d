import { run, task, workflow } from '@taskcell/core';
import type { IJobEvent, TaskJSON } from '@taskcell/core';
import { expectReadBeforeEnd, useFreshRunner } from './helpers';

useFreshRunner();

/** A python task JSON; ports are [name, type, format, stream?]. */
const py = (
  script: string,
  inputs: Array<[string, string, string, boolean?]>,
  outputs: Array<[string, string, string, boolean?]>,
): TaskJSON => ({
  mode: 'python',
  script,
  inputs: inputs.map(([name, type, format, stream]) => ({ name, type, format, ...(stream ? { stream } : {}) })),
  outputs: outputs.map(([name, type, format, stream]) => ({ name, type, format, ...(stream ? { stream } : {}) })),
});

/** Yields `n` lines, sleeping a little between them. */
const lines = py(
  'import time\ndef gen():\n    for i in range(n):\n        time.sleep(0.005)\n        yield "line %d\\n" % i\nout = gen()',
  [['n', 'number', 'number']],
  [['out', 'string', 'text', true]],
);

/** Counts lines, printing when the first comes. */
const countLines = py(
  'count = 0\nfor line in src:\n    if count == 0:\n        print("first line", line.strip(), flush=True)\n    count += 1',
  [['src', 'string', 'text', true]],
  [['count', 'number', 'number']],
);

describe('python line streams', () => {
  test('a python consumer reads its first line before the python producer ends', async () => {
    const events: IJobEvent[] = [];
    const wf = workflow('py').step('lines', lines).step('count', countLines).connect('lines', 'count', { out: 'src' });
    const r = await run(wf, { n: 100 }, { cache: false, onEvent: (e) => events.push(e) });
    expect(r.data.count).toBe(100);
    expectReadBeforeEnd(events, 'count', /^first line line 0$/, 'lines');
  }, 60_000);

  test('a fast JavaScript producer is held back by a slow python consumer (the pipe fills)', async () => {
    let made = 0;
    let madeWhenPaused = -1;
    const fast = task({ name: 'fast', outputs: { out: { type: 'string', format: 'text', stream: true } } }, () =>
      (async function* () {
        for (let i = 0; i < 200_000; i++) {
          made++;
          yield `${i}\n`;
        }
      })(),
    );
    const slow = py(
      'import time\ncount = 0\nfor line in src:\n    if count == 0:\n        time.sleep(0.5)\n        print("paused", flush=True)\n    count += 1',
      [['src', 'string', 'text', true]],
      [['count', 'number', 'number']],
    );
    const wf = workflow('bp').step('fast', fast).step('slow', slow).connect('fast', 'slow', { out: 'src' });
    const onEvent = (e: IJobEvent) => {
      if (e.step === 'slow' && e.kind === 'log' && e.log?.line === 'paused') madeWhenPaused = made;
    };
    const r = await run(wf, {}, { cache: false, onEvent });
    expect(r.data.count).toBe(200_000);
    // The pipe and the channel hold some thousands of lines; without back-pressure all 200,000 are made in half a second.
    expect(madeWhenPaused).toBeGreaterThan(0);
    expect(madeWhenPaused).toBeLessThan(50_000);
  }, 180_000);

  test('a python producer feeds a JavaScript consumer, and a run keeps a python stream whole', async () => {
    const sum = task(
      { name: 'sum', inputs: { src: { type: 'string', format: 'text', stream: true } }, outputs: { n: 'number' } },
      async ({ src }) => {
        let n = 0;
        for await (const line of src) n += line.length;
        return n;
      },
    );
    const wf = workflow('mixed').step('lines', lines).step('sum', sum).connect('lines', 'sum', { out: 'src' });
    expect((await run(wf, { n: 10 }, { cache: false })).data.n).toBe(10 * 'line 0\n'.length);
    expect((await run(lines, { n: 3 }, { cache: false })).data.out).toBe('line 0\nline 1\nline 2\n');
  }, 60_000);
});
