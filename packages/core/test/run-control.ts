// Tasks that exercise retries and time limits, as Girder Worker style JSON specs: a flaky task with
// its own "retries" that fails on its first two attempts and succeeds on the third (counting attempts
// in a file, so that every place it may run, this process, a thread, a remote worker, counts the
// same way), and a CPU-bound task with its own "timeout".
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IJobEvent, TaskJSON } from '@taskcell/core';

/** The spec of `fixtures/flaky-retries.json`, with its backoff set to `backoff` (its delay is 100 ms). */
export function flakySpec(backoff: 'fixed' | 'exponential'): TaskJSON {
  const spec = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'flaky-retries.json'), 'utf8')) as TaskJSON;
  (spec.retries as { backoff: string }).backoff = backoff;
  return spec;
}

/** A fresh counter file for one run of the flaky task. */
export function flakyCounter(): string {
  return join(mkdtempSync(join(tmpdir(), 'tc-flaky-')), 'count');
}

/** Milliseconds between the starts of consecutive attempts, as the task recorded them. */
export function attemptGaps(counter: string): number[] {
  const times = readFileSync(`${counter}.times`, 'utf8').trim().split('\n').map(Number);
  return times.slice(1).map((t, i) => t - times[i]);
}

/** The attempt events of one job: `n of m`, with the delay before each retry. */
export function attempts(events: IJobEvent[]): Array<{ n: number; of: number; delay?: number }> {
  return events
    .filter((e) => e.kind === 'attempt')
    .map((e) => {
      const a = e.attempt!;
      return a.delay === undefined ? { n: a.n, of: a.of } : { n: a.n, of: a.of, delay: a.delay };
    });
}

/**
 * What a flaky run on a fixed (100, 100) or exponential (100, 200) backoff must show: attempt 3
 * succeeded, and each wait between attempts lasted at least its delay (and not much more).
 */
export function expectedDelays(backoff: 'fixed' | 'exponential'): number[] {
  return backoff === 'fixed' ? [100, 100] : [100, 200];
}

/** A CPU-bound task with its own 200 ms "timeout": its script never yields the thread. */
export const SPIN: TaskJSON = {
  name: 'spin',
  mode: 'javascript',
  inputs: [{ name: 'x', type: 'number', format: 'number' }],
  outputs: [{ name: 'y', type: 'number', format: 'number' }],
  script: 'while (true) {}\ny = x;',
  timeout: 200,
};
