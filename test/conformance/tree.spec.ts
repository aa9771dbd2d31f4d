/**
 * Girder Worker's tree cases (`cases/tree.json`). Girder Worker read Newick and Nexus through R
 * (`r.apetree`); taskcell reads them natively, so the cases whose observable result is Newick,
 * Nexus or nested text run here unchanged, and R tasks (`mode: "r"` over `r.apetree` ports) run as
 * javascript over the native `nested` format, the neighbouring format SCHEMA.md §3.1 points to.
 */
import { createRunner, run, setRunner } from '@taskcell/core';
import type { INestedTree } from '@taskcell/core';
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

/** The case's task as taskcell runs it: python and R bodies become their javascript equivalent, `r.apetree` ports become `nested`. */
function asTaskcell(c: ICase): Json {
  const task = c.task as Json;
  const port = (p: Json) => (p.format === 'r.apetree' ? { ...p, format: 'nested' } : p);
  return {
    ...task,
    mode: 'javascript',
    script: c.script_equivalent,
    inputs: (task.inputs as Json[]).map(port),
    outputs: (task.outputs as Json[]).map(port),
  };
}

/** The value an assertion's target names. */
function target(name: string, outputs: Record<string, { format: string; data: unknown }>): unknown {
  switch (name) {
    case 'outputs.b.format':
      return outputs.b.format;
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

conformance(
  'tree.json',
  async (c) => {
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
    for (const a of c.assertions ?? []) assertOp(target(a.target, outputs), a.op, a.value);
    expect(c.expected !== null || (c.assertions?.length ?? 0) > 0).toBe(true);
  },
  {
    'tree.TestTree.test_r_apetree': 'needs R: the output is an ape "phylo" R object, checked through its printed R summary',
    'tree.TestTree.test_treestore':
      "needs R and the treestore layout: Arbor's TreeStore BSON documents (a MongoDB collection's form), reached in Girder Worker only as newick -> r.apetree -> treestore; treestore is not registered",
  },
);
