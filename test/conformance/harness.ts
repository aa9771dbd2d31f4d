/**
 * The conformance harness: reads Girder Worker's cases from `../shared/girder-worker/cases` (beside
 * the repository, or `$TASKCELL_SHARED`), runs each as a jest test, and prints
 * `<file>: N passed, M failed` with every excluded case and its reason.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getRunner } from '@taskcell/core';

/** Where Girder Worker's material is. */
export const SHARED = resolve(process.env.TASKCELL_SHARED ?? join(__dirname, '..', '..', '..', 'shared'), 'girder-worker');

/**
 * Close the runner `run()` uses after the file's tests: a job that a failed or timed-out case left
 * running is cancelled, so its warm interpreter does not keep jest alive after the run.
 */
export function closeRunnerAfterAll(): void {
  afterAll(() => getRunner().close());
}

/** One case, as SCHEMA.md describes it. */
export interface ICase {
  name: string;
  kind: string;
  type: string | null;
  from_format: string | null;
  to_format: string | null;
  input: unknown;
  expected: unknown;
  notes: string | null;
  task?: Record<string, unknown>;
  outputs?: Record<string, Record<string, unknown>>;
  run_kwargs?: Record<string, unknown>;
  assertions?: Array<{ target: string; op: string; value: unknown }>;
  expected_error?: { match: string; class?: string };
  expected_after_roundtrip?: unknown;
  derived?: unknown;
  script_equivalent?: string | Record<string, string>;
  requires?: string[];
  python_only?: unknown;
  [key: string]: unknown;
}

/** A case file. */
export interface ICaseFile {
  module: string;
  cases: ICase[];
  fixtures?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Read a case file by name (`io.json`). */
export function loadCases(file: string): ICaseFile {
  return JSON.parse(readFileSync(join(SHARED, 'cases', file), 'utf8')) as ICaseFile;
}

/** A file of Girder Worker's raw data (`raw/tests/data/test.csv`). */
export function rawPath(rel: string): string {
  return join(SHARED, rel);
}

/**
 * Run a case file's cases as jest tests. `handler` runs one case and throws when it fails; a case
 * named in `excluded` is not run, and its reason is printed.
 */
export function conformance(
  file: string,
  handler: (c: ICase, all: ICaseFile) => Promise<void> | void,
  excluded: Record<string, string> = {},
  options: { label?: string; only?: (c: ICase) => boolean } = {},
): void {
  const loaded = loadCases(file);
  const all = options.only ? { ...loaded, cases: loaded.cases.filter(options.only) } : loaded;
  const label = options.label ?? file;
  const tally = { passed: 0, failed: [] as string[] };
  const names = new Set(all.cases.map((c) => c.name));
  describe(`conformance ${label}`, () => {
    test('every excluded case exists in the file', () => {
      expect(Object.keys(excluded).filter((n) => !names.has(n))).toEqual([]);
    });
    for (const c of all.cases) {
      if (excluded[c.name] !== undefined) continue;
      test(c.name, async () => {
        try {
          await handler(c, all);
          tally.passed++;
        } catch (err) {
          tally.failed.push(c.name);
          throw err;
        }
      });
    }
    afterAll(() => {
      const lines = [`${label}: ${tally.passed} passed, ${tally.failed.length} failed, ${Object.keys(excluded).length} excluded`];
      for (const f of tally.failed) lines.push(`  failed: ${f}`);
      for (const [n, why] of Object.entries(excluded)) lines.push(`  excluded: ${n}: ${why}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  });
}

/** Check one `{op, value}` assertion against an actual value. */
export function assertOp(actual: unknown, op: string, value: unknown): void {
  switch (op) {
    case 'equals':
      expect(actual).toEqual(value);
      break;
    case 'endswith':
      expect(String(actual).endsWith(String(value))).toBe(true);
      break;
    case 'matches':
      expect(String(actual)).toMatch(new RegExp(String(value)));
      break;
    case 'length':
      expect((actual as { length: number }).length).toBe(value);
      break;
    case 'splitlines_equals':
      expect(
        String(actual)
          .split(/\r?\n/)
          .filter((l, i, a) => i < a.length - 1 || l !== ''),
      ).toEqual(value);
      break;
    case 'set_equals':
      expect(new Set(actual as unknown[])).toEqual(new Set(value as unknown[]));
      break;
    case 'contains_all':
      for (const v of value as unknown[]) expect(actual as unknown[]).toContainEqual(v);
      break;
    case 'is_string':
      expect(typeof actual).toBe('string');
      break;
    case 'greater_than':
      expect(actual as number).toBeGreaterThan(value as number);
      break;
    case 'true':
      expect(actual).toBeTruthy();
      break;
    default:
      throw new Error(`assertOp: no check for op "${op}"; handle it in the case's handler`);
  }
}
