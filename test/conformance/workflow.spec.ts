import { createRunner, loadTask, parseTask, run, setRunner } from '@taskcell/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { conformance } from './harness';
import { asJavascript, scriptEquivalents } from './gw';

type Json = Record<string, unknown>;
beforeAll(() => setRunner(createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-wf-')) })));

/** `flu.json` and its script are not shipped; the case gives the task JSON and the script, so both are written to a temp folder and loaded back. */
async function load(c: { input: unknown; expected: unknown }): Promise<Json> {
  const input = c.input as Json;
  const dir = mkdtempSync(join(tmpdir(), 'tc-load-'));
  const file = join(dir, input.task_file as string);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(input.task));
  const script = Object.values(c.expected as Json)[0] as string;
  writeFileSync(join(dirname(file), 'flu.py'), script);
  return loadTask(file);
}

conformance('workflow.json', async (c, file) => {
  if (c.kind === 'load') {
    const loaded = await load(c);
    const [[path, script]] = Object.entries(c.expected as Json);
    const value = path === 'script' ? loaded.script : ((loaded.steps as Json[])[0].task as Json).script;
    expect(value).toBe(script);
    expect(() => parseTask(loaded)).not.toThrow();
    return;
  }
  const task = asJavascript(c.task!, scriptEquivalents(file));
  const r = await run(task, c.input as Json, { cache: false });
  for (const [k, v] of Object.entries(c.expected as Json)) {
    if (k === '_visualizations') expect(r.outputs._visualizations.data).toEqual(v);
    else expect(r.outputs[k]).toEqual(v);
  }
});
