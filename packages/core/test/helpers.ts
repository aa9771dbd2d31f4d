import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, getRunner, setRunner } from '@taskcell/core';
import type { IJobEvent, Runner, TaskcellError } from '@taskcell/core';

/** A fresh runner with its caches in a temp dir, made the default for `run()`. */
export function freshRunner(): Runner {
  const runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-test-')) });
  setRunner(runner);
  return runner;
}

/**
 * A fresh runner before each test of the file, closed after it: a job that a failed or timed-out
 * test left running is cancelled, so its warm interpreter does not keep jest alive after the run.
 */
export function useFreshRunner(): void {
  beforeEach(() => freshRunner());
  afterEach(() => getRunner().close());
}

/** The state events of one job, in order. */
export function states(events: IJobEvent[], jobId?: string): string[] {
  return events.filter((e) => e.kind === 'state' && e.state && !e.dag && (jobId === undefined || e.jobId === jobId)).map((e) => e.state!);
}

/** The error `fn` throws (it must throw), typed as the caller expects it. */
export function thrown<E extends Error = TaskcellError>(fn: () => unknown): E {
  try {
    fn();
  } catch (err) {
    return err as E;
  }
  throw new Error('expected an error, got none');
}

/** Where in `events` the step `step` first logged a line matching `line` (-1 when it did not). */
export function logIndex(events: IJobEvent[], step: string, line: RegExp): number {
  return events.findIndex((e) => e.step === step && e.kind === 'log' && line.test(e.log?.line ?? ''));
}

/** A streaming edge at work: `consumer` logged `line` (what it read first) before `producer` ended. */
export function expectReadBeforeEnd(events: IJobEvent[], consumer: string, line: RegExp, producer: string): void {
  const first = logIndex(events, consumer, line);
  const producerEnd = events.findIndex((e) => e.step === producer && e.state === 'SUCCESS');
  expect(first).toBeGreaterThanOrEqual(0);
  expect(producerEnd).toBeGreaterThan(first);
}

/** Run `fn` with the environment variable `name` set to `value`, then put back what was there. */
export async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}
