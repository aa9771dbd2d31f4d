import type { INestedTree } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** A tree as `application/vnd.taskcell.tree+json` (Girder Worker's nested model) with HTML and text fallbacks. */
export function treeBundle(tree: INestedTree): IMimeBundle {
  return {
    [MIME.tree]: tree,
    [MIME.html]: `<ul class="tc-tree">${Private.html(tree)}</ul>`,
    [MIME.plain]: Private.text(tree, '').join('\n'),
  };
}

namespace Private {
  export function label(node: INestedTree): string {
    const d = node.node_data ?? {};
    const name = d['node name'] ?? d.name ?? d.id;
    if (name !== undefined) return String(name);
    const keys = Object.keys(d);
    return keys.length ? keys.map((k) => `${k}=${String(d[k])}`).join(' ') : '(node)';
  }

  export function html(node: INestedTree): string {
    const kids = node.children ?? [];
    const inner = kids.length ? `<ul>${kids.map(html).join('')}</ul>` : '';
    return `<li>${escapeHtml(label(node))}${inner}</li>`;
  }

  export function text(node: INestedTree, indent: string): string[] {
    const out = [`${indent}${label(node)}`];
    for (const k of node.children ?? []) out.push(...text(k, `${indent}  `));
    return out;
  }
}
