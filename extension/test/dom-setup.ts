// What jsdom lacks and Lumino expects of a browser. Import this before the extension.
const g = globalThis as Record<string, unknown>;
if (typeof g.DragEvent === 'undefined') g.DragEvent = class DragEvent extends MouseEvent {};
if (typeof g.requestAnimationFrame === 'undefined') {
  g.requestAnimationFrame = (cb: (t: number) => void) => setTimeout(() => cb(performance.now()), 16);
  g.cancelAnimationFrame = (id: ReturnType<typeof setTimeout>) => clearTimeout(id);
}

export {};
