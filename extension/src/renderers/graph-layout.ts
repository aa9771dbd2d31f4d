/**
 * The graph view's layout helpers that need the DOM. The graph model and its layouts are shared
 * with the kernel's static image, in @taskcell/display.
 */
export { LAYERED_MAX_NODES, boxHeight, forcePositions, isAcyclic, layoutKind, viewGraph } from '@taskcell/display';
export type { IViewEdge, IViewGraph, IViewNode, LayoutKind } from '@taskcell/display';

/** A tooltip's lines for an element's attributes: `key: value`, long values cut at 80 characters, 20 lines at most. */
export function attributeLines(attrs: Record<string, unknown>): string[] {
  const entries = Object.entries(attrs);
  const lines = entries.slice(0, 20).map(([k, v]) => {
    const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
    return `${k}: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`;
  });
  if (entries.length > 20) lines.push(`… ${entries.length - 20} more`);
  return lines;
}

/** Show `attrs` in `tooltip` at (x, y) in its container's pixels. */
export function showTooltip(tooltip: HTMLElement, attrs: Record<string, unknown>, x: number, y: number): void {
  tooltip.replaceChildren(
    ...attributeLines(attrs).map((l) => {
      const div = document.createElement('div');
      div.textContent = l;
      return div;
    }),
  );
  tooltip.style.left = `${x + 12}px`;
  tooltip.style.top = `${y + 12}px`;
  tooltip.hidden = false;
}
