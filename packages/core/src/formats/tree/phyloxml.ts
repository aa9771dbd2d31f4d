/**
 * PhyloXML text <-> nested trees. Girder Worker declared the format but registered no converter
 * for it; these map the first `<phylogeny>` of a file onto the nested tree: each `<clade>` is a
 * node, its `<name>` (trimmed) the node name, its branch length (the `branch_length` attribute or
 * element) the `edge_data.weight`, and its child clades the children, in order. Other clade data
 * (taxonomy, confidence, events...) has no place in the nested format and is not kept. The root
 * clade's branch length is dropped, as it is for Newick.
 */
import type { INestedTree } from '../../types';
import { EDGE_WEIGHT, NODE_NAME, NODE_WEIGHT, finishNestedTree, validateNestedTree } from './nested';
import { shapeError } from './text-errors';
import { childNamed, escapeXml, parseXmlText, positionOf } from './xml-text';
import type { IXmlElement } from './xml-text';

/** Parse the first phylogeny of a PhyloXML document into a nested tree. */
export function parsePhyloxml(text: string): INestedTree {
  const root = parseXmlText(text, 'tree', 'phyloxml');
  const fail = (el: IXmlElement, message: string) => shapeError('tree', 'phyloxml', message, positionOf(text, el));
  if (root.name !== 'phyloxml') throw fail(root, `expected a <phyloxml> root element, got <${root.name}>`);
  const phylogeny = childNamed(root, 'phylogeny');
  if (!phylogeny) throw fail(root, 'expected a <phylogeny> element in <phyloxml>, got none');
  const top = childNamed(phylogeny, 'clade');
  if (!top) throw fail(phylogeny, 'expected a <clade> element in <phylogeny>, got none');

  const tree = Private.node(top, null, fail);
  const todo: Array<[IXmlElement, INestedTree]> = [[top, tree]];
  while (todo.length) {
    const [el, node] = todo.pop()!;
    for (const child of el.children) {
      if (child.name !== 'clade') continue;
      const sub = Private.node(child, node, fail);
      todo.push([child, sub]);
    }
  }
  return finishNestedTree(tree);
}

/** Write a nested tree as a PhyloXML document with one phylogeny. */
export function writePhyloxml(tree: INestedTree): string {
  const check = validateNestedTree(tree);
  if (check !== true) throw shapeError('tree', 'nested', check);
  const rooted = (tree.children?.length ?? 0) > 2 ? 'false' : 'true';
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<phyloxml xmlns="http://www.phyloxml.org" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ',
    'xsi:schemaLocation="http://www.phyloxml.org http://www.phyloxml.org/1.10/phyloxml.xsd">\n',
    `  <phylogeny rooted="${rooted}">\n`,
  ];
  const nodes: INestedTree[] = [tree];
  const next: number[] = [0];
  while (nodes.length) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const pad = Private.pad(top + 2);
    const children = node.children ?? [];
    const k = next[top];
    if (k === 0) {
      out.push(`${pad}<clade>\n`);
      const name = node.node_data?.[NODE_NAME];
      if (name !== undefined && name !== null && name !== '') out.push(`${pad}  <name>${escapeXml(String(name))}</name>\n`);
      const w = node === tree ? undefined : node.edge_data?.[EDGE_WEIGHT];
      if (typeof w === 'number' && Number.isFinite(w)) out.push(`${pad}  <branch_length>${String(w)}</branch_length>\n`);
    }
    if (k < children.length) {
      next[top] = k + 1;
      nodes.push(children[k]);
      next.push(0);
      continue;
    }
    out.push(`${pad}</clade>\n`);
    nodes.pop();
    next.pop();
  }
  out.push('  </phylogeny>\n</phyloxml>\n');
  return out.join('');
}

namespace Private {
  /** Indentation for a depth, capped so a very deep tree's text stays linear in its size. */
  export function pad(depth: number): string {
    return '  '.repeat(Math.min(depth, 20));
  }

  /** The nested node for a `<clade>`, attached to its parent's children. */
  export function node(clade: IXmlElement, parent: INestedTree | null, fail: (el: IXmlElement, message: string) => Error): INestedTree {
    const nameEl = childNamed(clade, 'name');
    const node: INestedTree = { node_data: { [NODE_NAME]: nameEl ? nameEl.text.trim() : '', [NODE_WEIGHT]: 0 } };
    if (clade.children.some((c) => c.name === 'clade')) node.children = [];
    const lengthEl = childNamed(clade, 'branch_length');
    const raw = clade.attrs.branch_length ?? lengthEl?.text;
    if (raw !== undefined && parent) {
      const value = raw.trim() === '' ? NaN : Number(raw);
      if (Number.isNaN(value)) throw fail(lengthEl ?? clade, `expected a branch length (a number), got ${JSON.stringify(raw)}`);
      node.edge_data = { [EDGE_WEIGHT]: value };
    }
    if (parent) parent.children!.push(node);
    return node;
  }
}
