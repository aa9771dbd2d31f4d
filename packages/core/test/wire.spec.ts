import { CaptureError, run, task, taskFromWire, taskToWire, workflow } from '@taskcell/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshRunner } from './helpers';

beforeEach(() => freshRunner());

describe('tasks on the wire', () => {
  test('a self-contained function task travels as source and runs the same', async () => {
    const t = task({ name: 'hyp', inputs: { a: 'number', b: 'number' }, outputs: { c: 'number' } }, ({ a, b }) => Math.sqrt(a * a + b * b));
    const wire = JSON.parse(JSON.stringify(taskToWire(t.spec)));
    const back = taskFromWire(wire);
    expect((await run(back, { a: 3, b: 4 }, { cache: false })).data.c).toBe(5);
    expect(taskFromWire(wire)).toBe(back);
  });

  test('a task that captures notebook variables is refused, naming them and saying to pass them as inputs', () => {
    const scale = 3;
    const offset = 1;
    const t = task({ name: 'affine', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x * scale + offset);
    const wf = workflow()
      .step(
        'ok',
        task({ inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x),
      )
      .step('bad', t);
    for (const spec of [t.spec, wf.spec]) {
      let err: CaptureError | undefined;
      try {
        taskToWire(spec, 'on threads');
      } catch (e) {
        err = e as CaptureError;
      }
      expect(err).toBeInstanceOf(CaptureError);
      expect(err!.code).toBe('taskcell:capture');
      expect(err!.message).toBe(
        'Task "affine" uses `offset`, `scale` from the notebook, so it cannot run on threads: pass them as inputs, or run the task in-process',
      );
      expect(err!.context.captured).toEqual(['offset', 'scale']);
    }
  });

  test('a task may name a module export installed where it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-mod-'));
    writeFileSync(join(dir, 'scorers.js'), 'exports.dice = ({ a, b }) => (2 * a) / (a + b);');
    const spec = {
      name: 'dice',
      mode: 'javascript',
      module: `${join(dir, 'scorers.js')}:dice`,
      inputs: [
        { name: 'a', type: 'number', format: 'number' },
        { name: 'b', type: 'number', format: 'number' },
      ],
      outputs: [{ name: 'd', type: 'number', format: 'number' }],
    };
    expect((await run(spec, { a: 1, b: 3 }, { cache: false })).data.d).toBe(0.5);
    await expect(run({ ...spec, module: `${join(dir, 'scorers.js')}:jaccard` }, { a: 1, b: 1 })).rejects.toThrow(
      /has no function export "jaccard" \(got undefined\)/,
    );
  });
});
