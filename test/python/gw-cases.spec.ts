/**
 * Girder Worker's python-mode cases run with their original Python scripts (not the JavaScript
 * equivalents the other conformance suites use), in the project venv's interpreter.
 */
import { createRunner, run, setRunner } from '@taskcell/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRunnerAfterAll, conformance } from '../conformance/harness';
import type { ICase } from '../conformance/harness';
import { checkRunCase } from '../conformance/gw-run';

closeRunnerAfterAll();

type Json = Record<string, unknown>;
beforeAll(() => setRunner(createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-py-')) })));

const isPythonRun = (c: ICase) =>
  c.kind === 'run' && c.task !== undefined && ((c.task.mode ?? 'python') === 'python' || c.task.mode === 'workflow');

for (const file of ['number.json', 'integer.json', 'string.json', 'number_list.json', 'integer_list.json', 'string_list.json']) {
  conformance(file, (c) => checkRunCase(c, 'python'), {}, { label: `${file} (python)`, only: isPythonRun });
}

conformance(
  'workflow.json',
  async (c) => {
    const r = await run(c.task!, c.input as Json, { cache: false });
    for (const [k, v] of Object.entries(c.expected as Json)) {
      if (k === '_visualizations') expect(r.outputs._visualizations.data).toEqual(v);
      else expect(r.outputs[k]).toEqual(v);
    }
  },
  {},
  { label: 'workflow.json (python)', only: isPythonRun },
);

conformance(
  'spec.json',
  async (c) => {
    const r = await run(c.task!, c.input as Json, { cache: false });
    for (const [k, v] of Object.entries(c.expected as Json)) expect(r.outputs[k]).toEqual(v);
  },
  {},
  { label: 'spec.json (python)', only: isPythonRun },
);

// io.json's python run is in test/conformance/io.spec.ts, beside the loopback http server its cases need.
