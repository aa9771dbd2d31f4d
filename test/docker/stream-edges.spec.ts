/**
 * Streaming edges between docker steps against a real Docker engine started for this file: a
 * container's output pipe feeds the next container's input pipe through this process while both
 * run, with back-pressure from the slower end.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, task, workflow } from '@taskcell/core';
import type { IJobEvent, Runner, TaskJSON } from '@taskcell/core';
import { createDockerMode } from '@taskcell/docker';
import { buildTestImages, endDockerSuite, startEngine } from './engine';
import type { ITestEngine } from './engine';

const BUSYBOX = 'taskcell-test/busybox:latest';

let engine: ITestEngine;
let runner: Runner;

beforeAll(async () => {
  engine = await startEngine();
  await buildTestImages(engine.docker);
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-docker-streams-')) });
  runner.modes.register(createDockerMode({ docker: engine.docker }));
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, undefined);
}, 60_000);

/** A busybox task writing its streaming output `out` with `script`. */
const producer = (script: string): TaskJSON => ({
  mode: 'docker',
  docker_image: BUSYBOX,
  container_args: ['sh', '-c', script],
  inputs: [],
  outputs: [{ id: 'out', type: 'string', format: 'text', target: 'filepath', stream: true }],
});

/** A busybox task reading its streaming input `src` with `script`, its stdout as output. */
const consumer = (script: string): TaskJSON => ({
  mode: 'docker',
  docker_image: BUSYBOX,
  container_args: ['sh', '-c', script],
  inputs: [{ id: 'src', type: 'string', format: 'text', target: 'filepath', stream: true }],
  outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
});

const logIndex = (events: IJobEvent[], step: string, line: RegExp) =>
  events.findIndex((e) => e.step === step && e.kind === 'log' && line.test(e.log?.line ?? ''));

test('a container reads its first line from another container before that one ends', async () => {
  const events: IJobEvent[] = [];
  const wf = workflow('docker-stream')
    .step('write', producer('for i in $(seq 1 40); do echo "line $i"; sleep 0.05; done > /mnt/girder_worker/data/out'))
    .step(
      'read',
      consumer('n=0; while read l; do [ $n = 0 ] && echo "first $l"; n=$((n+1)); done < /mnt/girder_worker/data/src; echo "count $n"'),
    )
    .connect('write', 'read', { out: 'src' });
  const r = await runner.execute(wf.spec, {}, { cache: false, onEvent: (e) => events.push(e) });
  expect(String(r.data._stdout)).toBe('first line 1\ncount 40\n');
  const first = logIndex(events, 'read', /^first line 1$/);
  const producerEnd = events.findIndex((e) => e.step === 'write' && e.state === 'SUCCESS');
  expect(first).toBeGreaterThanOrEqual(0);
  expect(producerEnd).toBeGreaterThan(first);
}, 120_000);

test('a container writing 1 GiB into a slow reader is held back, and the host keeps little of it', async () => {
  const events: IJobEvent[] = [];
  let peak = process.memoryUsage().rss;
  const before = peak;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const wf = workflow('docker-gib')
    .step('write', producer('echo start >&2; head -c 1073741824 /dev/zero > /mnt/girder_worker/data/out; echo wrote-all'))
    .step('read', consumer('sleep 1; echo "awake"; wc -c < /mnt/girder_worker/data/src'))
    .connect('write', 'read', { out: 'src' });
  try {
    const r = await runner.execute(wf.spec, {}, { cache: false, onEvent: (e) => events.push(e) });
    expect(String(r.data._stdout).trim().split('\n')).toEqual(['awake', '1073741824']);
  } finally {
    clearInterval(timer);
  }
  // The writer could not finish while the reader slept: the pipes and the channel hold far less than 1 GiB.
  expect(logIndex(events, 'write', /^wrote-all$/)).toBeGreaterThan(logIndex(events, 'read', /^awake$/));
  const growth = (peak - before) / 2 ** 20;
  process.stdout.write(`docker 1 GiB stream: peak RSS growth ${growth.toFixed(0)} MiB\n`);
  expect(growth).toBeLessThan(256);
}, 300_000);

test('a JavaScript step streams into a container', async () => {
  const lines = task({ name: 'lines', outputs: { out: { type: 'string', format: 'text', stream: true } } }, () =>
    (async function* () {
      for (let i = 1; i <= 1000; i++) yield `row ${i}\n`;
    })(),
  );
  const wf = workflow('js-docker')
    .step('lines', lines)
    .step('read', consumer('wc -l < /mnt/girder_worker/data/src'))
    .connect('lines', 'read', { out: 'src' });
  const r = await runner.execute(wf.spec, {}, { cache: false });
  expect(String(r.data._stdout).trim()).toBe('1000');
}, 120_000);
