import { createRunner, parsePort, parseTask, portToJSON, run, setRunner, taskToJSON, workflow } from '@taskcell/core';
import type { AnyWorkflow, ITaskSpec, Runner } from '@taskcell/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformance } from './harness';
import type { ICase, ICaseFile } from './harness';
import { asJavascript, errorPattern, scriptEquivalents } from './gw';

type Json = Record<string, unknown>;
let runner: Runner;
beforeAll(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-spec-')) });
  setRunner(runner);
});

/** Lists of dicts compared as sets (Python 2 dict order is not meaningful). */
function sameSet(actual: unknown[], expected: unknown[]): void {
  const key = (v: unknown) => JSON.stringify(v, Object.keys(v as object).sort());
  expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
}

/** Run one port through a one-input task: Girder Worker's Port.fetch (validate, then convert into the port's format). */
async function portFetch(port: Json, binding: Json, autoConvert: boolean): Promise<unknown> {
  const t = { mode: 'javascript', script: 'out = a', inputs: [port], outputs: [{ ...port, name: 'out' }] };
  return (await run(t, { [port.name as string]: binding }, { cache: false, autoConvert })).data.out;
}

/** Girder Worker's Port.push: data in the binding's format leaves through an output port of the port's format. */
async function portPush(port: Json, binding: Json, autoConvert: boolean): Promise<unknown> {
  const t = {
    mode: 'javascript',
    script: 'a = value',
    inputs: [{ name: 'value', type: 'python', format: 'object' }],
    outputs: [{ name: 'a', type: port.type, format: binding.format }],
  };
  const r = await run(t, { value: binding.data }, { a: { mode: 'inline', format: port.format as string } }, { cache: false, autoConvert });
  return { data: r.outputs.a.data };
}

function builder(input: Json): AnyWorkflow {
  const wf: AnyWorkflow = workflow();
  for (const [task, name] of (input.add_task as Array<[Json, string]>) ?? []) wf.step(name, task);
  for (const [a, b, mapping] of (input.connect_tasks as Array<[string, string, Record<string, string>]>) ?? []) wf.connect(a, b, mapping);
  for (const [name, binding] of Object.entries((input.set_default as Json) ?? {})) wf.default(name, binding);
  return wf;
}

/** Check a task whose one input is the case's port with the case's changes (`set` or `set_item`) applied. */
function checkPortWith(c: ICase, changes: 'set' | 'set_item'): unknown {
  const input = c.input as Json;
  return runner.check(parseTask({ mode: 'javascript', script: '', inputs: [{ ...(input.port as Json), ...(input[changes] as Json) }] }));
}

async function expectError(c: ICase, fn: () => unknown): Promise<void> {
  await expect(Promise.resolve().then(fn)).rejects.toThrow(errorPattern(c));
}

const handlers: Record<string, (c: ICase, file: ICaseFile) => Promise<void> | void> = {
  'port.fetch': async (c) => {
    const call = () => portFetch(c.port as Json, c.input as Json, (c.port_settings as Json | undefined)?.auto_convert !== false);
    if (c.expected_error) await expectError(c, call);
    else expect(await call()).toEqual(c.expected);
  },
  'port.push': async (c) => {
    const call = () => portPush(c.port as Json, c.input as Json, (c.port_settings as Json | undefined)?.auto_convert !== false);
    if (c.expected_error) await expectError(c, call);
    else expect(await call()).toEqual(c.expected);
  },
  // Setting an unknown type or format: a task with that port is refused when it is checked.
  'port.set_type': (c) => expectError(c, () => checkPortWith(c, 'set')),
  'port.set_format': (c) => expectError(c, () => checkPortWith(c, 'set')),
  'port.set_item_then_json': (c) => expectError(c, () => checkPortWith(c, 'set_item')),
  'port.defaults': (c) => {
    const p = parsePort(c.input);
    const e = c.expected as Json;
    expect({ type: p.type, format: p.format }).toEqual({ type: e.type, format: e.format });
    // auto_convert / auto_validate are run options in taskcell, on unless turned off.
    expect(portToJSON(p)).toEqual(c.input);
  },
  'port.create': (c) => expectError(c, () => parsePort(c.input)),
  'port.json': (c) => expect(portToJSON(parsePort((c.input as Json).port))).toEqual(JSON.parse(c.expected as string)),
  'port.validate': (c) => expect(runner.formats.isValid(c.type!, c.from_format!, c.input)).toBe(c.expected),
  'workflow.empty': (c) => {
    const json = workflow().toJSON();
    const e = c.expected as Json;
    expect(Object.keys(json).sort()).toEqual((e.keys as string[]).slice().sort());
    for (const k of ['mode', 'steps', 'connections', 'inputs', 'outputs']) expect(json[k]).toEqual(e[k]);
  },
  'workflow.add_task': (c) => {
    const input = c.input as Json;
    const wf = builder(input);
    expect(wf.toJSON().steps).toEqual((c.expected as Json).steps);
    const [task, name] = (input.add_task as Array<[Json, string]>)[0];
    expect(() => wf.step(name, task)).toThrow(new RegExp((c.errors as Json[])[0].match as string));
  },
  'workflow.connect_tasks': (c) => {
    const json = builder(c.input as Json).toJSON();
    const e = c.expected as Json;
    sameSet(json.inputs as unknown[], e.inputs as unknown[]);
    sameSet(json.outputs as unknown[], e.outputs as unknown[]);
    sameSet(json.connections as unknown[], e.connections as unknown[]);
  },
  'workflow.build': (c) => {
    const json = builder(c.input as Json).toJSON();
    const e = c.expected as Json;
    expect(json.mode).toBe(e.mode);
    sameSet(json.inputs as unknown[], e.inputs as unknown[]);
    sameSet(json.outputs as unknown[], e.outputs as unknown[]);
    sameSet(json.steps as unknown[], e.steps as unknown[]);
    sameSet(json.connections as unknown[], e.connections as unknown[]);
  },
  taskspec: (c) => {
    const spec: ITaskSpec = parseTask(c.input);
    const json = taskToJSON(spec);
    expect(json.inputs).toEqual((c.input as Json).inputs);
    expect(json.outputs).toEqual((c.input as Json).outputs);
    expect(spec.inputs.map((p) => p.id)).toEqual(((c.input as Json).inputs as Json[]).map((p) => p.name));
  },
};

conformance(
  'spec.json',
  async (c, file) => {
    if (c.kind === 'run') {
      const task = asJavascript(c.task!, scriptEquivalents(file));
      const r = await run(task, c.input as Json, { cache: false });
      for (const [k, v] of Object.entries(c.expected as Json)) expect(r.outputs[k]).toEqual(v);
      return;
    }
    const h = handlers[c.operation as string];
    if (!h) throw new Error(`no handler for operation ${String(c.operation)}`);
    await h(c, file);
  },
  {
    'spec.PortList.doctest':
      "PortList is Python's mutable list-and-dict hybrid (item assignment, insert, del by index); taskcell's spec model is plain arrays validated when parsed. Its rules (unique names, unknown formats refused) are covered by the TestPort cases above and by packages/core/test/spec.spec.ts",
  },
);
