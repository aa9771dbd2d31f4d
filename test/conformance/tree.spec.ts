/**
 * Girder Worker's tree cases (`cases/tree.json`). Girder Worker read Newick and Nexus through R
 * (`r.apetree`); taskcell reads them natively, so the cases whose observable result is Newick,
 * Nexus or nested text run here unchanged, and R tasks (`mode: "r"` over `r.apetree` ports) run as
 * javascript over the native `nested` format, the neighbouring format SCHEMA.md §3.1 points to.
 * The run cases run a second time as written (python tasks in the python mode, R tasks in the r
 * mode over ape trees), and an `r.apetree` value is read through R's own print().
 */
import { createRunner, printR, run, setRunner } from '@taskcell/core';
import type { INestedTree } from '@taskcell/core';
import { BSON } from 'bson';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertOp, conformance } from './harness';
import type { ICase } from './harness';

type Json = Record<string, unknown>;
let runner: ReturnType<typeof createRunner>;
beforeAll(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-tree-')) });
  setRunner(runner);
});

/** The case's task as taskcell runs it: python and R bodies become their javascript equivalent (or stay as written when they are JavaScript too), `r.apetree` ports become `nested`. */
function asTaskcell(c: ICase): Json {
  const task = c.task as Json;
  const port = (p: Json) => (p.format === 'r.apetree' ? { ...p, format: 'nested' } : p);
  return {
    ...task,
    mode: 'javascript',
    // A script with no equivalent given (`b = a`) is JavaScript as written.
    script: c.script_equivalent ?? task.script,
    inputs: (task.inputs as Json[]).map(port),
    outputs: (task.outputs as Json[]).map(port),
  };
}

/** The value an assertion's target names. */
async function target(name: string, outputs: Record<string, { format: string; data: unknown }>): Promise<unknown> {
  switch (name) {
    case 'outputs.b.format':
      return outputs.b.format;
    case 'str(outputs.b.data)[:52]':
      return (await printR('tree', outputs.b.format, outputs.b.data)).slice(0, 52);
    case "' '.join('\\n'.join(outputs.b.data.splitlines()[2:]).split())":
      // ape writes a timestamp comment on line 2; the case skips two lines and collapses whitespace.
      return (outputs.b.data as string)
        .split(/\r\n|\r|\n/)
        .slice(2)
        .join('\n')
        .split(/\s+/)
        .filter(Boolean)
        .join(' ');
    default:
      throw new Error(`no reading for assertion target ${JSON.stringify(name)}`);
  }
}

type Doc = { _id: number; name?: string; branch_length?: number; clades?: number[]; rooted?: boolean };

/** The documents of treestore bytes (concatenated BSON). */
function treestoreDocs(data: Buffer): Doc[] {
  const docs: Doc[] = [];
  for (let at = 0; at < data.length; at += data.readInt32LE(at))
    docs.push(BSON.deserialize(data.subarray(at, at + data.readInt32LE(at))) as Doc);
  return docs;
}

/** The test_treestore assertions, read off the documents as Girder Worker's test walks them. */
function treestoreTarget(name: string, docs: Doc[]): unknown {
  const find = (id: number) => docs.find((d) => d._id === id)!;
  const root = docs.find((d) => d.rooted)!;
  const top = find(root.clades![0]);
  const internal = find(top.clades![0]);
  const nameLength = (d: Doc) => [d.name, d.branch_length];
  const readings: Record<string, () => unknown> = {
    'output.format': () => 'treestore',
    'docs = bson.decode_all(data); root = doc with "rooted"': () => root,
    'len(root.clades)': () => root.clades!.length,
    'top = find(root.clades[0]); len(top.clades)': () => top.clades!.length,
    'internal = find(top.clades[0]); internal.branch_length': () => internal.branch_length,
    'find(internal.clades[0]) name/branch_length': () => nameLength(find(internal.clades![0])),
    'find(internal.clades[1]) name/branch_length': () => nameLength(find(internal.clades![1])),
    'find(top.clades[1]) name/branch_length': () => nameLength(find(top.clades![1])),
  };
  if (!readings[name]) throw new Error(`no reading for assertion target ${JSON.stringify(name)}`);
  return readings[name]();
}

conformance('tree.json', async (c) => {
  if (c.to_format === 'treestore') {
    // Girder Worker's two steps, newick -> r.apetree -> treestore, are the registry's path.
    expect(runner.formats.converterPath('tree', c.from_format!, 'treestore')).toEqual(
      (c.two_step as { first: string[] }).first.concat('treestore'),
    );
    const docs = treestoreDocs((await runner.formats.convert('tree', c.from_format!, 'treestore', c.input)) as Buffer);
    for (const a of c.assertions ?? []) {
      if (a.op === 'exists') expect(treestoreTarget(a.target, docs)).toBeDefined();
      else assertOp(treestoreTarget(a.target, docs), a.op, a.value);
    }
    expect(docs).toEqual((c.derived as { docs: Doc[] }).docs);
    return;
  }
  if (c.kind === 'convert') {
    const input = c.input as Json;
    const convert = () => runner.formats.convert('tree', c.from_format!, c.to_format!, input.data);
    for (const a of c.assertions ?? []) {
      expect(a.target === 'convert()' && a.op === 'does_not_raise').toBe(true);
      expect(convert).not.toThrow();
    }
    // The derived value follows ape::read.tree + r_apetree_to_nested; checked as the stricter result.
    const derived = (c.derived as { data?: INestedTree } | undefined)?.data;
    if (derived) expect(convert()).toEqual(derived);
    return;
  }
  expect(c.kind).toBe('run');
  const r = await run(asTaskcell(c), c.input as Json, c.outputs as Json, { cache: false });
  const outputs = r.outputs as Record<string, { format: string; data: unknown }>;
  if (c.expected) for (const [k, v] of Object.entries(c.expected as Json)) expect(outputs[k]).toEqual(v);
  for (const a of c.assertions ?? []) assertOp(await target(a.target, outputs), a.op, a.value);
  expect(c.expected !== null || (c.assertions?.length ?? 0) > 0).toBe(true);
});

conformance(
  'tree.json',
  async (c) => {
    const r = await run(c.task as Json, c.input as Json, c.outputs as Json, { cache: false });
    const outputs = r.outputs as Record<string, { format: string; data: unknown }>;
    if (c.expected) for (const [k, v] of Object.entries(c.expected as Json)) expect(outputs[k]).toEqual(v);
    for (const a of c.assertions ?? []) assertOp(await target(a.target, outputs), a.op, a.value);
  },
  {},
  { label: 'tree.json (as written: python and r modes)', only: (c) => c.kind === 'run' },
);
