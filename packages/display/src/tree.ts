import type { INestedTree } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** How many nodes the text and HTML fallbacks show; the custom MIME type carries them all. */
export const TREE_PREVIEW_NODES = 2000;

/**
 * A tree as `application/vnd.taskcell.tree+json` (Girder Worker's nested model) with HTML and
 * text fallbacks of its first `TREE_PREVIEW_NODES` nodes in pre-order. The fallbacks are built
 * without recursion, so a deep tree cannot overflow the stack.
 */
export function treeBundle(tree: INestedTree): IMimeBundle {
  const html: string[] = ['<ul class="tc-tree">'];
  const text: string[] = [];
  // Each entry is a node to open, or the closing tags of a node whose children were all written.
  const stack: Array<{ node: INestedTree; depth: number } | { close: string }> = [{ node: tree, depth: 0 }];
  let shown = 0;
  let total = 0;
  while (stack.length) {
    const top = stack.pop()!;
    if ('close' in top) {
      html.push(top.close);
      continue;
    }
    total++;
    const kids = Array.isArray(top.node.children) ? top.node.children : [];
    if (shown >= TREE_PREVIEW_NODES) {
      for (const k of kids) stack.push({ node: k, depth: top.depth + 1 });
      continue;
    }
    shown++;
    const label = Private.label(top.node);
    text.push(`${'  '.repeat(top.depth)}${label}`);
    html.push(`<li>${escapeHtml(label)}`);
    if (kids.length) {
      html.push('<ul>');
      stack.push({ close: '</ul></li>' });
    } else {
      stack.push({ close: '</li>' });
    }
    for (let k = kids.length - 1; k >= 0; k--) stack.push({ node: kids[k], depth: top.depth + 1 });
  }
  html.push('</ul>');
  if (total > shown) {
    html.push(`<p>${(total - shown).toLocaleString('en-US')} more nodes</p>`);
    text.push(`... ${(total - shown).toLocaleString('en-US')} more nodes`);
  }
  return { [MIME.tree]: tree, [MIME.html]: html.join(''), [MIME.plain]: text.join('\n') };
}

namespace Private {
  export function label(node: INestedTree): string {
    const d = node.node_data ?? {};
    const name = d['node name'] ?? d.name ?? d.id;
    if (name !== undefined) return String(name);
    const keys = Object.keys(d);
    return keys.length ? keys.map((k) => `${k}=${String(d[k])}`).join(' ') : '(node)';
  }
}
