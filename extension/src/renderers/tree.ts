import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { INestedTree } from '@taskcell/core';

/**
 * Renders `application/vnd.taskcell.tree+json` (Girder Worker's nested tree): each branch
 * collapses on click, and a branch with a length (`edge_data.weight`, `branch_length` or
 * `length`) shows it beside a bar drawn to scale against the longest branch.
 */
export class TreeRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: TreeRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass('tc-TreeRenderer');
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render a model's tree. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const tree = model.data[this.mimeType] as unknown as INestedTree;
    const longest = Math.max(0, ...TreeRenderer.lengths(tree));
    this.node.textContent = '';
    const ul = document.createElement('ul');
    ul.className = 'tc-tree';
    ul.setAttribute('role', 'tree');
    ul.appendChild(Private.item(tree, longest, 0));
    this.node.appendChild(ul);
    return Promise.resolve();
  }
}

/** The TreeRenderer's options and helpers. */
export namespace TreeRenderer {
  /** How a tree renderer is made. */
  export interface IOptions {
    mimeType: string;
  }

  /** A node's label: its name, else its data as `key=value`. */
  export function label(node: INestedTree): string {
    const d = node.node_data ?? {};
    const name = d['node name'] ?? d.name ?? d.id;
    if (name !== undefined) return String(name);
    const keys = Object.keys(d);
    return keys.length ? keys.map((k) => `${k}=${String(d[k])}`).join(' ') : '';
  }

  /** The length of the branch leading to `node`, if it has one. */
  export function branchLength(node: INestedTree): number | undefined {
    for (const source of [node.edge_data, node.node_data]) {
      if (!source) continue;
      for (const k of ['weight', 'branch_length', 'length']) {
        const v = source[k];
        if (typeof v === 'number' && Number.isFinite(v)) return v;
      }
    }
    return undefined;
  }

  /** Every branch length in the tree. */
  export function lengths(node: INestedTree): number[] {
    const own = branchLength(node);
    const out = own !== undefined ? [own] : [];
    for (const c of node.children ?? []) out.push(...lengths(c));
    return out;
  }
}

namespace Private {
  export function item(node: INestedTree, longest: number, depth: number): HTMLLIElement {
    const li = document.createElement('li');
    li.setAttribute('role', 'treeitem');
    const kids = node.children ?? [];
    const line = li.appendChild(document.createElement('div'));
    line.className = 'tc-tree-node';
    const toggle = line.appendChild(document.createElement('span'));
    toggle.className = kids.length ? 'tc-tree-toggle' : 'tc-tree-leaf';
    const len = TreeRenderer.branchLength(node);
    if (len !== undefined) {
      const bar = line.appendChild(document.createElement('span'));
      bar.className = 'tc-tree-branch';
      bar.style.width = `${longest > 0 ? Math.max(2, Math.round((80 * len) / longest)) : 2}px`;
    }
    const name = line.appendChild(document.createElement('span'));
    name.className = 'tc-tree-label';
    name.textContent = TreeRenderer.label(node) || (kids.length ? '' : '(leaf)');
    if (len !== undefined) {
      const l = line.appendChild(document.createElement('span'));
      l.className = 'tc-tree-length';
      l.textContent = String(Number(len.toPrecision(4)));
    }
    if (kids.length) {
      li.setAttribute('aria-expanded', 'true');
      const ul = li.appendChild(document.createElement('ul'));
      ul.setAttribute('role', 'group');
      for (const k of kids) ul.appendChild(item(k, longest, depth + 1));
      line.addEventListener('click', () => {
        const open = li.getAttribute('aria-expanded') !== 'true';
        li.setAttribute('aria-expanded', String(open));
        ul.hidden = !open;
      });
    }
    return li;
  }
}
