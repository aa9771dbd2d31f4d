/**
 * Girder Worker's `nested` tree, the native format of the `tree` type: every node is
 * `{node_data: {"node name", "node weight"}, children?, edge_data?: {weight}}`, the root also
 * carries `node_fields` and `edge_fields`, leaves have no `children` key, `edge_data.weight` is the
 * length of the branch to the parent, and `node weight` is the sum of branch lengths from the root
 * (the root's is 0). Keys are created in the order Girder Worker's `r_apetree_to_nested` created
 * them, so `nested.json` text reads like a Python 3 re-run of it.
 *
 * Everything here walks trees with explicit stacks: a tree 100,000 nodes deep is as fine as a
 * balanced one.
 */
import type { INestedTree } from '../../types';
import { pythonJson } from '../python-json';
import { parseJsonText, shapeError } from './text-errors';
import { describeKind, isPlainObject } from '../describe';

/** The node field holding a node's name. */
export const NODE_NAME = 'node name';
/** The node field holding the distance from the root. */
export const NODE_WEIGHT = 'node weight';
/** The edge field holding the branch length to the parent. */
export const EDGE_WEIGHT = 'weight';

/**
 * Check the shape of a nested tree: every node an object, `node_data` and `edge_data` objects,
 * `children` a list of nodes, no node reachable twice. Returns `true` or where it went wrong
 * (`children[1].children[0].edge_data is a list, expected an object`).
 */
export function validateNestedTree(value: unknown): true | string {
  if (!isPlainObject(value)) return `expected a nested tree (an object), got ${describeKind(value)}`;
  const nodes: object[] = [value];
  const parent: number[] = [-1];
  const slot: number[] = [-1];
  const seen = new Set<object>([value]);
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k] as Record<string, unknown>;
    const nodeData = node.node_data;
    if (nodeData !== undefined && !isPlainObject(nodeData))
      return `${Private.path(parent, slot, k)}node_data is ${describeKind(nodeData)}, expected an object`;
    const edgeData = node.edge_data;
    if (edgeData !== undefined && !isPlainObject(edgeData))
      return `${Private.path(parent, slot, k)}edge_data is ${describeKind(edgeData)}, expected an object`;
    const children = node.children;
    if (children === undefined) continue;
    if (!Array.isArray(children)) return `${Private.path(parent, slot, k)}children is ${describeKind(children)}, expected a list of nodes`;
    for (let i = 0; i < children.length; i++) {
      const c: unknown = children[i];
      if (!isPlainObject(c)) return `${Private.path(parent, slot, k)}children[${i}] is ${describeKind(c)}, expected a node (an object)`;
      if (seen.has(c))
        return `${Private.path(parent, slot, k)}children[${i}] appears twice in the tree (a tree has no shared or cyclic nodes)`;
      seen.add(c);
      nodes.push(c);
      parent.push(k);
      slot.push(i);
    }
  }
  return true;
}

/**
 * Finish a freshly built tree the way Girder Worker's converters did: set every node's
 * `node weight` to its distance from the root (branch lengths summed as floats; a node without
 * `edge_data.weight` adds 0), and give the root `node_fields` and `edge_fields`.
 */
export function finishNestedTree(root: INestedTree): INestedTree {
  const nodes: INestedTree[] = [root];
  const sums: number[] = [0];
  while (nodes.length) {
    const node = nodes.pop()!;
    let sum = sums.pop()!;
    const w = node === root ? undefined : node.edge_data?.weight;
    if (typeof w === 'number') sum += w;
    (node.node_data ??= {})['node weight'] = sum;
    const children = node.children;
    if (children) {
      for (let i = children.length - 1; i >= 0; i--) {
        nodes.push(children[i]);
        sums.push(sum);
      }
    }
  }
  root.node_fields = [NODE_NAME, NODE_WEIGHT];
  root.edge_fields = [EDGE_WEIGHT];
  return root;
}

/**
 * `nested.json` text: JSON as Python's `json.dumps` (Girder Worker used `bson.json_util.dumps`)
 * writes it, with `node weight` and `weight` always written as floats (`2.0`), as they were in
 * Girder Worker, where trees came from R. Other numbers follow `pythonJson`.
 */
export function nestedToJson(tree: INestedTree): string {
  const check = validateNestedTree(tree);
  if (check !== true) throw shapeError('tree', 'nested', check);
  let out = '{';
  // One frame per open node: its keys, the next key, and the children being written.
  const frames: Array<{ node: Record<string, unknown>; keys: string[]; k: number; wrote: boolean; children?: INestedTree[]; c: number }> = [
    { node: tree as Record<string, unknown>, keys: Object.keys(tree), k: 0, wrote: false, c: 0 },
  ];
  while (frames.length) {
    const f = frames[frames.length - 1];
    if (f.children) {
      if (f.c < f.children.length) {
        const child = f.children[f.c];
        out += f.c++ ? ', {' : '{';
        frames.push({ node: child as Record<string, unknown>, keys: Object.keys(child), k: 0, wrote: false, c: 0 });
        continue;
      }
      out += ']';
      f.children = undefined;
    }
    if (f.k === f.keys.length) {
      out += '}';
      frames.pop();
      continue;
    }
    const key = f.keys[f.k++];
    const value = f.node[key];
    if (value === undefined) continue;
    out += `${f.wrote ? ', ' : ''}${Private.key(key)}: `;
    f.wrote = true;
    if (key === 'children') {
      out += '[';
      f.children = value as INestedTree[];
      f.c = 0;
    } else if (key === 'node_data' || key === 'edge_data') out += Private.fields(value as Record<string, unknown>);
    else out += pythonJson(value);
  }
  return out;
}

/** Read `nested.json` text; syntax errors say where the text broke. */
export function parseNestedJson(text: string): INestedTree {
  const value = parseJsonText(text, 'tree', 'nested.json');
  const check = validateNestedTree(value);
  if (check !== true) throw shapeError('tree', 'nested.json', check);
  return value as INestedTree;
}

namespace Private {
  /** `children[1].children[0].` for node k, from the parent and slot arrays of the walk. */
  export function path(parent: number[], slot: number[], k: number): string {
    const steps: string[] = [];
    for (let j = k; parent[j] >= 0; j = parent[j]) steps.push(`children[${slot[j]}].`);
    return steps.reverse().join('');
  }

  /** Python's float repr for a number Girder Worker held as a float. */
  export function float(n: number): string {
    const abs = Math.abs(n);
    if (Number.isInteger(n) && abs < 1e16) return `${Object.is(n, -0) ? '-0' : String(n)}.0`;
    return abs >= 1e-4 && abs < 1e16 ? String(n) : pythonJson(n);
  }

  const keys = new Map<string, string>();

  /** A key as Python writes it; the few keys of a tree are written once and remembered. */
  export function key(k: string): string {
    let s = keys.get(k);
    if (s === undefined) {
      s = pythonJson(k);
      if (keys.size < 1000) keys.set(k, s);
    }
    return s;
  }

  const NON_ASCII = /[\u007f-\uffff]/;

  export function fields(data: Record<string, unknown>): string {
    let out = '{';
    let first = true;
    for (const k in data) {
      const v = data[k];
      if (v === undefined) continue;
      out += first ? key(k) : `, ${key(k)}`;
      first = false;
      if (typeof v === 'number') out += k === NODE_WEIGHT || k === EDGE_WEIGHT ? `: ${float(v)}` : `: ${pythonJson(v)}`;
      else if (typeof v === 'string' && !NON_ASCII.test(v)) out += `: ${JSON.stringify(v)}`;
      else out += `: ${pythonJson(v)}`;
    }
    return `${out}}`;
  }
}
