import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError, run as coreRun, getRunner, slicerToTask, task } from '@taskcell/core';
import type { IWorkerPool } from '@taskcell/core';
import { form, formTasks, run, runForm } from 'taskcell';

beforeAll(() => {
  process.env.TASKCELL_CACHE_DIR = mkdtempSync(join(tmpdir(), 'tc-task-form-'));
});

const add = task(
  { name: 'add', inputs: { a: 'integer', b: { type: 'integer', default: 1 } }, outputs: { sum: 'integer' } },
  ({ a, b }) => ({
    sum: a + b,
  }),
);

describe('form()', () => {
  test('names its task by a key that depends on the ports, not on the form or the code', () => {
    const again = task(
      { name: 'add', inputs: { a: 'integer', b: { type: 'integer', default: 1 } }, outputs: { sum: 'integer' } },
      ({ a, b }) => ({
        sum: a + b + 0,
      }),
    );
    const other = task(
      { name: 'add', inputs: { a: 'number', b: { type: 'integer', default: 1 } }, outputs: { sum: 'integer' } },
      ({ a, b }) => ({
        sum: a + b,
      }),
    );
    const key = form(add).model.key;
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(form(add).model.key).toBe(key);
    expect(form(again).model.key).toBe(key);
    expect(form(other).model.key).not.toBe(key);
  });

  test('offers in-process and threads, starts on the place it is given, and offers a remote pool the kernel knows', () => {
    expect(form(add).model).toMatchObject({
      on: '',
      places: [
        { on: '', label: 'in-process' },
        { on: 'threads', label: 'threads' },
      ],
    });
    const remote = form(add, { on: 'redis://127.0.0.1:6390' }).model;
    expect(remote.on).toBe('redis://127.0.0.1:6390');
    expect(remote.places?.map((p) => p.label)).toEqual(['in-process', 'threads', 'remote redis://127.0.0.1:6390']);
  });

  test("a container task's in-process place is its image's container", () => {
    const xml =
      '<executable><title>Blur</title><parameters><label>IO</label><image><name>img</name><index>0</index></image></parameters></executable>';
    const spec = { ...slicerToTask(xml), docker_image: 'example/blur:1', slicer_cli: 'Blur' };
    expect(form(spec).model.places?.[0]).toEqual({ on: '', label: 'docker example/blur:1 (from the kernel)' });
  });
});

describe('runForm()', () => {
  test('runs on the place chosen in the form, or else on the place form() was given', async () => {
    // A pool that records the jobs sent to it and runs them here (the real pools have their own suites).
    const sent: string[] = [];
    const pool: IWorkerPool = {
      place: { kind: 'thread', name: 'recording' },
      run: (spec, inputs, options) => {
        sent.push(options.jobId ?? '');
        return coreRun(spec, inputs as never, { cache: false }).then((r) => ({ ...r, jobId: options.jobId ?? r.jobId }));
      },
      close: async () => undefined,
    };
    const registration = getRunner().registerPool('recording', () => pool);
    try {
      const shown = form(add, { on: 'recording', cache: false });
      expect(shown.model.places?.map((p) => p.on)).toEqual(['', 'threads', 'recording']);
      const there = await runForm(shown.model.formId, { a: 2, b: 3 }, 'recording');
      expect(there.data.sum).toBe(5);
      expect(sent).toEqual([there.jobId]);
      const here = await runForm(shown.model.formId, { a: 4, b: 3 }, '');
      expect(here.data.sum).toBe(7);
      expect(sent).toEqual([there.jobId]);
      const given = await runForm(shown.model.formId, { a: 5 });
      expect(given.data.sum).toBe(6);
      expect(sent).toEqual([there.jobId, given.jobId]);
    } finally {
      registration.dispose();
    }
  });

  test('a file picked for a port that takes a file reaches the task as that file, and a directory as its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-form-files-'));
    writeFileSync(join(dir, 'lines.txt'), 'one\ntwo\nthree\n');
    const read = task(
      {
        name: 'read',
        inputs: { file: { type: 'string', format: 'text', target: 'filepath' }, folder: 'directory' },
        outputs: { text: 'string', where: 'string' },
      },
      ({ file, folder }) => ({ text: readFileSync(file, 'utf8'), where: String(folder) }),
    );
    const shown = form(read, { cache: false });
    expect(shown.model.fields.map((f) => [f.id, f.widget, f.pick])).toEqual([
      ['file', 'path', 'file'],
      ['folder', 'path', 'directory'],
    ]);
    const result = await runForm(shown.model.formId, { file: join(dir, 'lines.txt'), folder: dir });
    expect(result.data).toEqual({ text: 'one\ntwo\nthree\n', where: dir });
  });

  test('refuses a place the form does not offer, naming those it does', () => {
    const shown = form(add);
    expect(() => runForm(shown.model.formId, { a: 1 }, 'mars')).toThrow(OptionError);
    expect(() => runForm(shown.model.formId, { a: 1 }, 'mars')).toThrow(
      'Form of task "add" cannot run on "mars"; expected one of "", "threads"',
    );
  });
});

describe('formTasks()', () => {
  const CELL = Symbol.for('taskcell.cell');
  const host = globalThis as unknown as Record<symbol, unknown>;
  let saved: unknown;
  beforeEach(() => (saved = host[CELL]));
  afterEach(() => (host[CELL] = saved));

  test("lists the cells' tasks and the tasks inside an object of specs, with the expression that names each", () => {
    const xml =
      '<executable><title>Repeat</title><parameters><label>IO</label><string><name>w</name><longflag>w</longflag></string></parameters></executable>';
    host[CELL] = {
      exports: {
        add,
        tasks: {
          Repeat: { ...slicerToTask(xml), docker_image: 'x/y', slicer_cli: 'Repeat' },
          'odd name': { ...slicerToTask(xml), name: 'Odd' },
        },
        n: 3,
        words: ['a'],
        nothing: null,
        // Not a task, and not an object of specs: looked at without harm.
        touchy: new Proxy(
          {},
          {
            get: () => {
              throw new Error('touched');
            },
          },
        ),
        instance: new (class Holder {
          inner = add;
        })(),
      },
    };
    const list = formTasks();
    expect(list.tasks).toEqual([
      { expr: 'add', name: 'add', mode: 'javascript' },
      { expr: 'tasks["Repeat"]', name: 'Repeat', mode: 'slicer_cli' },
      { expr: 'tasks["odd name"]', name: 'Odd', mode: 'slicer_cli' },
    ]);
    const bundle = list[Symbol.for('Jupyter.display') as never] as unknown as () => Record<string, unknown>;
    expect(bundle()['application/json']).toEqual(list.tasks);
  });

  test('says so when the cells hold no task', () => {
    host[CELL] = { exports: { n: 1 } };
    const list = formTasks();
    expect(list.tasks).toEqual([]);
    const bundle = list[Symbol.for('Jupyter.display') as never] as unknown as () => Record<string, unknown>;
    expect(bundle()['text/plain']).toBe('No tasks declared in this notebook yet');
  });
});

test('run() remembers the pools it used, which later forms offer', async () => {
  await run(add, { a: 1 }, { card: false, on: 'threads-of-test' }).catch(() => undefined);
  expect(form(add).model.places?.map((p) => p.on)).toContain('threads-of-test');
});
