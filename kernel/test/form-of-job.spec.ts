import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError, task } from '@taskcell/core';
import { formOfJob, run } from 'taskcell';

beforeAll(() => {
  process.env.TASKCELL_CACHE_DIR = mkdtempSync(join(tmpdir(), 'tc-form-of-job-'));
});

test("formOfJob gives the form of the task a run() of this kernel started, for the Tasks panel's Form button", async () => {
  const double = task({ name: 'double', inputs: { x: 'integer' }, outputs: { y: 'integer' } }, ({ x }) => ({ y: 2 * x }));
  const result = await run(double, { x: 4 }, { jobId: 'job-form-1', card: false });
  expect(result.data.y).toBe(8);
  const form = formOfJob('job-form-1');
  expect(form.model.task).toBe('double');
  expect(form.model.fields.map((f) => f.id)).toEqual(['x']);
});

test('formOfJob of a job no run() of this kernel started says which and why', () => {
  expect(() => formOfJob('job-unknown')).toThrow(OptionError);
  expect(() => formOfJob('job-unknown')).toThrow(
    'No job "job-unknown" started by run() in this kernel; expected one of its recent jobs (a restarted kernel forgets them: run its cell again)',
  );
});
