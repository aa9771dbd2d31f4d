/**
 * A container's stdout and stderr: linear in time whatever the line length (output without a
 * newline used to be quadratic), and kept in a file past the in-memory limit, so `_stdout` is
 * bounded by the disk rather than by a JavaScript string.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, parseTask } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { capturedText, createDockerMode } from '@taskcell/docker';
import { buildBusyboxImage, endDockerSuite, startEngine } from '../docker/engine';
import type { ITestEngine } from '../docker/engine';

const BUSYBOX = 'taskcell-test/busybox:latest';
let engine: ITestEngine;
let runner: Runner;

beforeAll(async () => {
  engine = await startEngine();
  await buildBusyboxImage(engine.docker, [BUSYBOX]);
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-docker-output-')) });
  // 4 MiB in memory, so the larger outputs below go to a file.
  runner.modes.register(createDockerMode({ docker: engine.docker, inMemory: 4 * 2 ** 20 }));
}, 180_000);

afterAll(() => endDockerSuite(engine, undefined), 60_000);

/** A task writing `bytes` letters `a` on stdout, with no newline at all. */
const letters = (bytes: number, target?: 'filepath') =>
  parseTask({
    mode: 'docker',
    docker_image: BUSYBOX,
    container_args: ['sh', '-c', `head -c ${bytes} /dev/zero | tr '\\0' a`],
    outputs: [{ id: '_stdout', type: 'string', format: 'text', ...(target ? { target } : {}) }],
  });

const captureDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('taskcell-capture-'));

test('stdout without newlines: 8, 16 and 32 MB take linear time, and _stdout holds all of it', async () => {
  const before = captureDirs().length;
  const times: number[] = [];
  for (const mb of [8, 16, 32]) {
    const t0 = Date.now();
    const r = await runner.execute(letters(mb * 2 ** 20), {}, { cache: false });
    times.push(Date.now() - t0);
    const out = r.data._stdout as string;
    expect(out.length).toBe(mb * 2 ** 20);
    expect(out.startsWith('aaaa') && out.endsWith('aaaa')).toBe(true);
  }
  // Quadratic time made 32 MB take about 12 times as long as 8 MB (2.6 s against 30.5 s).
  expect(times[2]).toBeLessThan(20_000);
  expect(times[2] / Math.max(times[0], 1)).toBeLessThan(8);
  // The spilled files went once the text was read.
  expect(captureDirs().length).toBe(before);
}, 180_000);

test('a filepath _stdout past the in-memory limit, bound to a local file, arrives whole there', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tc-docker-out-')), 'stdout.txt');
  await runner.execute(
    letters(12 * 2 ** 20, 'filepath'),
    {},
    { cache: false, outputs: { _stdout: { mode: 'local', path, format: 'text' } } },
  );
  expect(statSync(path).size).toBe(12 * 2 ** 20);
}, 120_000);

test('a text _stdout longer than a string can hold is an OutputTooLargeError that says to take it as a file', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tc-docker-big-')), 'stdout');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 600 * 2 ** 20); // sparse: 600 MiB on paper
  closeSync(fd);
  await expect(capturedText(file, '_stdout', { task: 't' })).rejects.toMatchObject({
    code: 'taskcell:output-too-large',
    message: expect.stringMatching(/wrote 629145600 bytes.*declare "_stdout" with "target": "filepath"/) as unknown,
  });
});
