// Tasks that exercise retries and time limits, as Girder Worker style JSON specs: a flaky task with
// its own "retries" that fails on its first two attempts and succeeds on the third (counting attempts
// in a file, so that every place it may run, this process, a thread, a remote worker, counts the
// same way), and a CPU-bound task with its own "timeout".
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@taskcell/core';
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
 * Run the flaky task `on` a pool (in this process when undefined) and check what it must show:
 * attempt 3 succeeded; each wait between attempts lasted at least its delay (100 and 100 ms fixed,
 * 100 and 200 exponential) and less than `slack` ms more; an attempt event each, `n of 4`, with the
 * delay before it. Returns the job's events.
 */
export async function runFlaky(backoff: 'fixed' | 'exponential', on: string | undefined, slack: number): Promise<IJobEvent[]> {
  const counter = flakyCounter();
  const events: IJobEvent[] = [];
  const r = await run(flakySpec(backoff), { counter }, { on, cache: false, onEvent: (e) => events.push(e) });
  expect(r.data.attempts).toBe(3);
  const delays = backoff === 'fixed' ? [100, 100] : [100, 200];
  const gaps = attemptGaps(counter);
  expect(gaps).toHaveLength(2);
  gaps.forEach((g, i) => {
    expect(g).toBeGreaterThanOrEqual(delays[i]);
    expect(g).toBeLessThan(delays[i] + slack);
  });
  expect(attempts(events)).toEqual([
    { n: 1, of: 4 },
    { n: 2, of: 4, delay: delays[0] },
    { n: 3, of: 4, delay: delays[1] },
  ]);
  return events;
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
