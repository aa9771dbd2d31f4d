import { BSON, Double } from 'bson';
import { describeValue } from '../../errors';
import type { IDisposable } from '../../events';
import type { INestedTree } from '../../types';
import { convertInR } from '../../modes/r';
import type { FormatRegistry, Validator } from '../registry';

/**
 * The components of an ape `phylo` tree as the R side sends them (`ape.parts`): the edge matrix
 * (parent, child) with nodes numbered tips first (1..n) then internal nodes from the root (n+1),
 * and the optional branch lengths and internal node labels. A length-one vector may come as a scalar.
 */
export interface IApeParts {
  edge: Array<[number, number]>;
  edge_length?: number | Array<number | null> | null;
  nnode: number;
  tip_label: string | string[];
  node_label?: string | string[] | null;
}

/** True for R serialization bytes: R's serialize() starts with `X\n` (XDR), `A\n` (ascii) or `B\n` (native). */
export function isRSerialization(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array && v.length > 2 && (v[0] === 0x58 || v[0] === 0x41 || v[0] === 0x42) && v[1] === 0x0a;
}

/**
 * Girder Worker's `r_apetree_to_nested`: one node per ape node, children in edge order, each
 * child's branch length as `edge_data.weight`, internal nodes named by their label or `''`, and
 * `node weight` the distance from the root.
 */
export function apeToNested(parts: IApeParts): INestedTree {
  const { tips, lengths, labels, total } = Private.normalize(parts);
  const nodes: INestedTree[] = [];
  for (let i = 1; i <= total; i++) {
    const name = i <= tips.length ? tips[i - 1] : (labels[i - 1 - tips.length] ?? '');
    nodes[i] = i > tips.length ? { node_data: { 'node name': name }, children: [] } : { node_data: { 'node name': name } };
  }
  parts.edge.forEach(([from, to], e) => {
    if (lengths && typeof lengths[e] === 'number') nodes[to].edge_data = { weight: lengths[e] };
    nodes[from].children!.push(nodes[to]);
  });
  const root = nodes[tips.length + 1];
  root.node_fields = ['node name', 'node weight'];
  root.edge_fields = ['weight'];
  const weigh = (node: INestedTree, at: number) => {
    const w = node.edge_data?.weight;
    const here = typeof w === 'number' ? at + w : at;
    node.node_data!['node weight'] = here;
    for (const c of node.children ?? []) weigh(c, here);
  };
  weigh(root, 0);
  return root;
}

/**
 * Girder Worker's `r_apetree_to_treestore`: Arbor's TreeStore layout as concatenated BSON
 * documents. One document per ape node (`_id` counting from 0, tips first), `clades` the child ids
 * in edge order, `branch_length` on the child, internal nodes unnamed, then a handle document
 * `{rooted: true, clades: [root]}`.
 */
export function apeToTreestore(parts: IApeParts): Buffer {
  const { tips, lengths, total } = Private.normalize(parts);
  const docs: Array<Record<string, unknown>> = [];
  for (let i = 1; i <= total; i++) docs.push(i <= tips.length ? { _id: i - 1, name: tips[i - 1] } : { _id: i - 1, clades: [] });
  parts.edge.forEach(([from, to], e) => {
    const length = lengths?.[e];
    if (typeof length === 'number') docs[to - 1].branch_length = new Double(length);
    (docs[from - 1].clades as number[]).push(to - 1);
  });
  docs.push({ _id: total, rooted: true, clades: [tips.length] });
  return Buffer.concat(docs.map((d) => BSON.serialize(d)));
}

/**
 * The formats R holds (Girder Worker's R plugin): `r` (`object`, R's serialization bytes, and
 * `serialized`, its ascii text), `table`/`r.dataframe` and `tree`/`r.apetree` (a data.frame and an
 * ape tree, as serialization bytes), with Girder Worker's converters, each run inside R: csv <->
 * r.dataframe (read.csv, write.csv), newick and nexus <-> r.apetree (ape's read.tree, write.tree,
 * read.nexus, write.nexus), r.apetree -> nested and -> treestore (made here from the tree's
 * components). Registered after the other families, so no path that avoids R changes.
 */
export function registerRFormats(registry: FormatRegistry): IDisposable[] {
  const d: IDisposable[] = [];
  const bytes =
    (what: string): Validator =>
    (v) =>
      isRSerialization(v) || `expected ${what} as R serialization bytes (serialize(x, NULL)), got ${describeValue(v)}`;
  const isString: Validator = (v) => typeof v === 'string' || `expected a string, got ${describeValue(v)}`;
  const inR = (type: string, from: string, to: string) => (v: unknown) => convertInR(type, from, to, v);

  d.push(registry.registerType({ name: 'r', nativeFormat: 'object', description: 'an R object, held by R' }));
  d.push(registry.registerFormat({ type: 'r', format: 'object', validate: bytes('an R object'), binary: true, extensions: ['rds'] }));
  d.push(registry.registerFormat({ type: 'r', format: 'serialized', validate: isString, text: true }));
  d.push(registry.registerConverter({ type: 'r', from: 'object', to: 'serialized', convert: inR('r', 'object', 'serialized') }));
  d.push(registry.registerConverter({ type: 'r', from: 'serialized', to: 'object', convert: inR('r', 'serialized', 'object') }));

  d.push(registry.registerFormat({ type: 'table', format: 'r.dataframe', validate: bytes('an R data.frame'), binary: true }));
  d.push(registry.registerConverter({ type: 'table', from: 'csv', to: 'r.dataframe', convert: inR('table', 'csv', 'r.dataframe') }));
  d.push(registry.registerConverter({ type: 'table', from: 'r.dataframe', to: 'csv', convert: inR('table', 'r.dataframe', 'csv') }));

  const tree = 'tree';
  d.push(registry.registerFormat({ type: tree, format: 'r.apetree', validate: bytes('an ape tree'), binary: true }));
  const parts = (v: unknown) => convertInR(tree, 'r.apetree', 'ape.parts', v) as Promise<IApeParts>;
  const edges: Array<[string, string, (v: unknown) => unknown]> = [
    ['newick', 'r.apetree', inR(tree, 'newick', 'r.apetree')],
    ['nexus', 'r.apetree', inR(tree, 'nexus', 'r.apetree')],
    ['r.apetree', 'nested', async (v) => apeToNested(await parts(v))],
    ['r.apetree', 'newick', inR(tree, 'r.apetree', 'newick')],
    ['r.apetree', 'nexus', inR(tree, 'r.apetree', 'nexus')],
    ['r.apetree', 'treestore', async (v) => apeToTreestore(await parts(v))],
  ];
  for (const [from, to, convert] of edges) d.push(registry.registerConverter({ type: tree, from, to, convert }));
  return d;
}

/** What R's print() shows of a value in an R format (`tree`/`r.apetree`: "Phylogenetic tree with 3 tips..."). */
export async function printR(type: string, format: string, value: unknown): Promise<string> {
  return (await convertInR(type, format, 'printed', value)) as string;
}

namespace Private {
  const list = <T>(v: T | T[] | null | undefined): T[] | undefined =>
    v === null || v === undefined ? undefined : Array.isArray(v) ? v : [v];

  /** The parts with every vector a list, and the number of nodes. */
  export function normalize(parts: IApeParts) {
    const tips = list(parts.tip_label) ?? [];
    return {
      tips,
      lengths: list(parts.edge_length),
      labels: list(parts.node_label) ?? [],
      total: tips.length + parts.nnode,
    };
  }
}
