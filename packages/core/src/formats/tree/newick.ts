/**
 * Newick text <-> nested trees, by hand: one left-to-right pass with an explicit stack (no
 * recursion, no regular expressions on the hot path), so parsing is linear and any depth works.
 *
 * Reading follows ape's `read.tree` as Girder Worker saw it through `r_apetree_to_nested`:
 * children keep their order, internal node labels become node names (the root's too), unquoted
 * underscores stay underscores, `[...]` comments are skipped, a node without a branch length gets
 * no `edge_data`, and a branch length on the root is dropped. Labels may be quoted with `'` or `"`
 * (a doubled quote inside stands for one). Blanks separate tokens and may not sit inside an
 * unquoted label. The closing `;` may be left off at the very end of the text.
 *
 * Writing follows ete3's `Tree.write(format=1)`, which Girder Worker used: names and branch lengths
 * of every node, no length on the root, lengths as short as they can be (`0`, `1`, `2`, not `0.0`).
 * Where ete3 lost information this writer keeps it, so newick -> nested -> newick gives the text
 * back: lengths keep every digit (ete3 rounded to 6 significant digits), a node without a length
 * is written without one (ete3 wrote `:1`), labels that need it are quoted (ete3 replaced the
 * characters with `_`), and a named root keeps its name.
 */
import type { INestedTree } from '../../types';
import { EDGE_WEIGHT, NODE_NAME, finishNestedTree, validateNestedTree } from './nested';
import { shapeError, syntaxError } from './text-errors';

/** Parse one Newick tree into a nested tree; errors are ValidationErrors with line and column. */
export function parseNewick(text: string): INestedTree {
  if (typeof text !== 'string') throw shapeError('tree', 'newick', `expected Newick text (a string), got ${typeof text}`);
  const { tree, end } = readNewickAt(text, 0, 'newick');
  const rest = Private.skip(text, end, 'newick');
  if (rest < text.length) throw syntaxError('tree', 'newick', text, rest, "end of input after the tree's ';' (one tree per text)");
  return tree;
}

/**
 * Read one Newick tree starting at `start` and return it with the offset just past its `;`. Errors
 * name `format` (`nexus` when the tree sits in a Nexus file) and give positions in the whole text.
 */
export function readNewickAt(text: string, start: number, format: string): { tree: INestedTree; end: number } {
  const n = text.length;
  const fail = (at: number, expected: string) => syntaxError('tree', format, text, at, expected);
  let i = Private.skip(text, start, format);
  if (i >= n) throw fail(i, 'a tree');

  const open: INestedTree[] = [];
  let root: INestedTree | undefined;

  /** Read a node's label and branch length, which follow its children (if any). */
  const tail = (node: INestedTree) => {
    i = Private.skip(text, i, format);
    const c = text.charCodeAt(i);
    let name = '';
    if (c === 39 || c === 34) {
      const quote = c;
      const from = i;
      let s = i + 1;
      const pieces: string[] = [];
      for (;;) {
        const q = text.indexOf(quote === 39 ? "'" : '"', s);
        if (q < 0) throw fail(from, 'a closing quote for this label');
        pieces.push(text.slice(s, q));
        if (text.charCodeAt(q + 1) === quote) {
          pieces.push(text[q]);
          s = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      name = pieces.join('');
    } else {
      const s = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d < 128 && Private.DELIMITER[d]) break;
        i++;
      }
      if (i > s) name = text.slice(s, i);
    }
    if (name) node.node_data!['node name'] = name;
    i = Private.skip(text, i, format);
    if (text.charCodeAt(i) !== 58) return;
    i = Private.skip(text, i + 1, format);
    const s = i;
    let d = text.charCodeAt(i);
    if (d === 43 || d === 45) d = text.charCodeAt(++i);
    let digits = 0;
    while (d >= 48 && d <= 57) {
      digits++;
      d = text.charCodeAt(++i);
    }
    if (d === 46) {
      d = text.charCodeAt(++i);
      while (d >= 48 && d <= 57) {
        digits++;
        d = text.charCodeAt(++i);
      }
    }
    if (digits === 0) throw fail(s, 'a branch length (a number)');
    if (d === 101 || d === 69) {
      d = text.charCodeAt(++i);
      if (d === 43 || d === 45) d = text.charCodeAt(++i);
      const e = i;
      while (d >= 48 && d <= 57) d = text.charCodeAt(++i);
      if (i === e) throw fail(i, 'the digits of an exponent');
    }
    if (node !== root) node.edge_data = { weight: Number(text.slice(s, i)) };
  };

  const attach = (node: INestedTree) => {
    if (open.length) open[open.length - 1].children!.push(node);
    else root = node;
  };

  for (;;) {
    // At the start of a subtree: open a node, or read a leaf.
    i = Private.skip(text, i, format);
    if (text.charCodeAt(i) === 40) {
      // Literal keys (not computed ones) let V8 build these objects from one fast boilerplate.
      const node: INestedTree = { node_data: { 'node name': '', 'node weight': 0 }, children: [] };
      attach(node);
      open.push(node);
      i++;
      continue;
    }
    const leaf: INestedTree = { node_data: { 'node name': '', 'node weight': 0 } };
    attach(leaf);
    tail(leaf);
    // After a subtree: a sibling follows, or the innermost open node closes.
    let more = false;
    while (open.length) {
      i = Private.skip(text, i, format);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        more = true;
        break;
      }
      if (c !== 41) throw fail(i, "',' or ')'");
      i++;
      tail(open.pop()!);
    }
    if (!more) break;
  }

  i = Private.skip(text, i, format);
  if (text.charCodeAt(i) === 59) i++;
  else if (i < n) throw fail(i, "';'");
  return { tree: finishNestedTree(root!), end: i };
}

/** Write a nested tree as Newick text (see the module comment for how it differs from ete3). */
export function writeNewick(tree: INestedTree): string {
  const check = validateNestedTree(tree);
  if (check !== true) throw shapeError('tree', 'nested', check);
  return writeNewickWith(tree, (node) => Private.label(node.node_data?.[NODE_NAME])) + ';';
}

/**
 * Newick text of a tree without the final `;`, with each node's label given by `label` (already
 * quoted as needed). Nexus writing uses it to put translation numbers in place of tip names.
 */
export function writeNewickWith(tree: INestedTree, label: (node: INestedTree) => string): string {
  const out: string[] = [];
  const nodes: INestedTree[] = [tree];
  const next: number[] = [0];
  while (nodes.length) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const children = node.children ?? [];
    const k = next[top];
    if (k < children.length) {
      out.push(k === 0 ? '(' : ',');
      next[top] = k + 1;
      nodes.push(children[k]);
      next.push(0);
      continue;
    }
    if (children.length) out.push(')');
    out.push(label(node));
    const w = node === tree ? undefined : node.edge_data?.[EDGE_WEIGHT];
    if (typeof w === 'number' && Number.isFinite(w)) out.push(`:${String(w)}`);
    nodes.pop();
    next.pop();
  }
  return out.join('');
}

/** A Newick label, quoted with `'` when it holds blanks, punctuation Newick reserves, or quotes. */
export function newickLabel(name: string): string {
  if (name === '') return '';
  return Private.NEEDS_QUOTES.test(name) ? `'${name.replace(/'/g, "''")}'` : name;
}

namespace Private {
  /** Characters that end an unquoted label: blanks and `( ) [ ] ' : ; ,`. */
  export const DELIMITER = (() => {
    const t = new Uint8Array(128);
    for (const c of " \t\n\r\f\v()[]':;,") t[c.charCodeAt(0)] = 1;
    return t;
  })();

  export const NEEDS_QUOTES = /[\s()[\]':;,"]/;

  export function label(name: unknown): string {
    if (name === undefined || name === null) return '';
    return newickLabel(String(name));
  }

  /** Skip blanks and `[...]` comments from `i`; returns the next offset. */
  export function skip(text: string, i: number, format: string): number {
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) i++;
      else if (c === 91) {
        const close = text.indexOf(']', i + 1);
        if (close < 0) throw syntaxError('tree', format, text, i, "a ']' closing this comment", "'['");
        i = close + 1;
      } else break;
    }
    return i;
  }
}
