import type { INestedTree } from '@taskcell/core';
import { MIME, TREE_PREVIEW_NODES, treeBundle } from '@taskcell/display';

describe('treeBundle', () => {
  it('keeps the whole tree in its own MIME type and nested HTML and indented text fallbacks', () => {
    const tree: INestedTree = {
      node_data: { 'node name': 'r' },
      children: [{ node_data: { 'node name': 'a<b' }, children: [{ node_data: { 'node name': 'c' } }] }, { node_data: { name: 'd' } }],
    };
    const b = treeBundle(tree);
    expect(b[MIME.tree]).toBe(tree);
    expect(b[MIME.html]).toBe('<ul class="tc-tree"><li>r<ul><li>a&lt;b<ul><li>c</li></ul></li><li>d</li></ul></li></ul>');
    expect(b[MIME.plain]).toBe('r\n  a<b\n    c\n  d');
  });

  it('shows the first nodes of a large or deep tree in the fallbacks and counts the rest, without recursion', () => {
    let t: INestedTree = { node_data: { 'node name': 'tip' } };
    for (let i = 0; i < 200_000; i++) t = { node_data: { 'node name': `n${i}` }, children: [t] };
    const b = treeBundle(t);
    const lines = String(b[MIME.plain]).split('\n');
    expect(lines).toHaveLength(TREE_PREVIEW_NODES + 1);
    expect(lines[lines.length - 1]).toBe(`... ${(200_001 - TREE_PREVIEW_NODES).toLocaleString('en-US')} more nodes`);
    const html = String(b[MIME.html]);
    expect(html.match(/<li>/g)).toHaveLength(TREE_PREVIEW_NODES);
    expect(html.match(/<\/li>/g)).toHaveLength(TREE_PREVIEW_NODES);
    expect(html).toContain('more nodes</p>');
  });
});
