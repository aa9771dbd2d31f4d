/**
 * WCAG contrast for text axe-core does not check: the labels of SVG charts and of graphs drawn on a
 * canvas, whose colours the tests read from the page.
 */

/** The relative luminance (WCAG 2) of a colour given as `rgb(r, g, b)`, `rgba(...)` or `#rrggbb`. */
export function relativeLuminance(color: string): number {
  const hex = /^#([0-9a-f]{6})$/i.exec(color.trim());
  const channels = hex
    ? [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16))
    : (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  if (channels.length !== 3 || channels.some((c) => !Number.isFinite(c)))
    throw new Error(`Expected a colour as rgb(r, g, b) or #rrggbb, got "${color}"`);
  const [r, g, b] = channels.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG's contrast ratio of two colours, 1 to 21 (AA asks 4.5 of normal text). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
