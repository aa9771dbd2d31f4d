/**
 * Girder Worker's pickle tests. Pickles are made and read by the Python process (`python/object`
 * -> `pickle` -> `pickle.base64` and back). A value the case writes as a Python-only object
 * (`{"python_tuple": [...]}`, `{"python_bytes_hex": ...}`) is made into that object on the Python
 * side, travels as a pickle between Python steps (ports in `pickle.base64` are unpickled into the
 * object itself), and is written back in the case's notation there; bytes also cross on their
 * own, as Buffers. Every JSON-able value also makes the round trip through the formats registry.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError, getRunner, run } from '@taskcell/core';
import { closeRunnerAfterAll, conformance } from './harness';
import type { ICase } from './harness';

closeRunnerAfterAll();

type Json = Record<string, unknown>;

/** Python that turns the cases' notation for Python-only objects into the objects, and back. */
const NOTATION = `
def decode(v):
    if isinstance(v, dict):
        if set(v) == {"python_tuple"}:
            return tuple(decode(x) for x in v["python_tuple"])
        if set(v) == {"python_bytes_hex"}:
            return bytes.fromhex(v["python_bytes_hex"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v

def encode(v):
    if isinstance(v, tuple):
        return {"python_tuple": [encode(x) for x in v]}
    if isinstance(v, bytes):
        return {"python_bytes_hex": v.hex()}
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [encode(x) for x in v]
    return v
`;

const port = (name: string, format: string) => ({ name, type: 'python', format });

/** A Python task making the object the notation names, handed on as a pickle. */
const toPickle = {
  name: 'to_pickle',
  mode: 'python',
  script: `${NOTATION}\nobj = decode(notation)`,
  inputs: [port('notation', 'object')],
  outputs: [port('obj', 'pickle.base64')],
};

/** A Python task reading a pickle back into the notation. */
const fromPickle = {
  name: 'from_pickle',
  mode: 'python',
  script: `${NOTATION}\nnotation = encode(obj)`,
  inputs: [port('obj', 'pickle.base64')],
  outputs: [port('notation', 'object')],
};

/** The notation as a TypeScript value where it has one (bytes are Buffers), else undefined. */
function asTypescript(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(asTypescript);
    return items.includes(undefined) ? undefined : items;
  }
  if (v && typeof v === 'object') {
    const o = v as Json;
    if ('python_tuple' in o) return undefined;
    if (typeof o.python_bytes_hex === 'string') return Buffer.from(o.python_bytes_hex, 'hex');
    const entries = Object.entries(o).map(([k, x]) => [k, asTypescript(x)] as const);
    return entries.some(([, x]) => x === undefined) ? undefined : Object.fromEntries(entries);
  }
  return v;
}

/** Notation through a pickle made in Python and read back there. */
async function pythonRoundTrip(notation: unknown): Promise<{ pickle: string; back: unknown }> {
  const made = await run(toPickle, { notation }, { cache: false });
  const pickle = made.data.obj as string;
  const back = await run(fromPickle, { obj: pickle }, { cache: false });
  return { pickle, back: back.data.notation };
}

async function basic(c: ICase): Promise<void> {
  const formats = getRunner().formats;
  const want = (c.expected_after_roundtrip as { data: unknown }).data;
  expect(formats.converterPath('python', 'object', 'pickle.base64')).toEqual(['object', 'pickle', 'pickle.base64']);
  const { pickle, back } = await pythonRoundTrip(c.input);
  expect(formats.isValid('python', 'pickle.base64', pickle)).toBe(true);
  expect(back).toEqual(want);
  const value = asTypescript(c.input);
  if (value === undefined) return; // a tuple: a Python-only object, done on the Python side above
  const text = await formats.convert('python', 'object', 'pickle.base64', value);
  expect(await formats.convert('python', 'pickle.base64', 'object', text)).toEqual(asTypescript(want));
  // The registry's pickle is one Python reads as the case's object.
  expect((await run(fromPickle, { obj: text }, { cache: false })).data.notation).toEqual(want);
}

async function pickleError(c: ICase): Promise<void> {
  const exprs = (c.input as { python_only_value: string[] }).python_only_value;
  for (const expr of exprs) {
    const make = {
      mode: 'python',
      script: `import tempfile\nvalue = ${expr}`,
      inputs: [],
      outputs: [port('value', 'pickle.base64')],
    };
    const err = await run(make, {}, { cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toMatch(new RegExp(c.expected_error!.match));
    expect(err.message).toMatch(/pickle/i);
  }
}

/** test_inputs_from_file: its setup writes pickle.base64 files, its task reads them (local binding). */
async function inputsFromFile(c: ICase): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tc-pickle-'));
  const paths: Record<string, string> = { '<A>': join(dir, 'a.pickle.b64'), '<B>': join(dir, 'b.pickle.b64') };
  for (const step of c.setup as Array<{ convert: { input: { data: unknown }; output: { path: string } } }>) {
    const path = paths[step.convert.output.path];
    await run(toPickle, { notation: step.convert.input.data }, { obj: { format: 'pickle.base64', mode: 'local', path } }, { cache: false });
    expect(readFileSync(path, 'utf8')).toMatch(/^[A-Za-z0-9+/=]+$/);
  }
  // The task as written, its python/object ports given as pickles, so a tuple stays a tuple in Python.
  const task = c.task as { inputs: Json[]; outputs: Json[] };
  const asPickle = (p: Json) => ({ ...p, format: 'pickle.base64' });
  const inputs = Object.fromEntries(
    Object.entries(c.input as Record<string, Json>).map(([k, b]) => [k, { ...b, path: paths[b.path as string] }]),
  );
  const result = await run({ ...task, inputs: task.inputs.map(asPickle), outputs: task.outputs.map(asPickle) }, inputs, { cache: false });
  const got: Json = {};
  for (const [k, pickle] of Object.entries(result.data)) got[k] = (await run(fromPickle, { obj: pickle }, { cache: false })).data.notation;
  expect(got).toEqual(c.expected);
}

conformance('pickle.json', async (c: ICase) => {
  if (c.name.startsWith('pickle.TestPickle.test_pickle_basic#')) return basic(c);
  if (c.name === 'pickle.TestPickle.test_pickle_error') return pickleError(c);
  if (c.name === 'pickle.TestPickle.test_inputs_from_file') return inputsFromFile(c);
  // test_basic_task: the task as written in the python mode ("*" * 4 is Python's). The case passes a
  // malformed outputs dict ({format: object}) that Girder Worker ignores; so do we.
  const result = await run(c.task as Json, c.input as Json, { cache: false });
  expect(result.data).toEqual(c.expected);
});
