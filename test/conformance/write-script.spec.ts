/**
 * Girder Worker's write_script tests: a python task with `write_script: 1` has its script written to
 * a file before it runs. The job log names the file; the job's folder is kept to read it back.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, run, setRunner } from '@taskcell/core';
import type { IBinding, IJobEvent, TaskJSON } from '@taskcell/core';
import { assertOp, closeRunnerAfterAll, conformance } from './harness';
import type { ICase } from './harness';

closeRunnerAfterAll();

beforeAll(() => setRunner(createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-write-script-')) })));

conformance(
  'write_script.json',
  async (c: ICase) => {
    const events: IJobEvent[] = [];
    const task = c.task as TaskJSON;
    const r = await run(task, c.input as Record<string, IBinding>, c.outputs as Record<string, IBinding>, {
      cache: false,
      cleanup: false,
      onEvent: (e) => events.push(e),
    });
    const a = JSON.parse((c.input as Record<string, { data: string }>).a.data) as { rows: unknown[] };
    const b = JSON.parse((c.input as Record<string, { data: string }>).b.data) as { rows: unknown[] };
    expect(JSON.parse(String(r.outputs.c.data)).rows).toEqual([...a.rows, ...b.rows]);
    const written = events.map((e) => /is written to (.+) \(write_script\)$/.exec(e.log?.line ?? '')?.[1]).filter((f): f is string => !!f);
    for (const check of c.assertions ?? []) {
      if (check.target === 'number of temp script files written') assertOp(written.length, check.op, check.value);
      else if (check.target === 'contents of that file') assertOp(readFileSync(written[0], 'utf8'), check.op, check.value);
      else throw new Error(`no reading for target ${check.target}`);
    }
  },
  {
    'write_script.TestDebug.test_kwargs_debug':
      "run(..., write_script=True) also writes the scripts of the validators and converters Girder Worker runs as nested Python tasks; taskcell's validators and converters are TypeScript functions with no script to write, so only the task-level write_script applies",
  },
);
