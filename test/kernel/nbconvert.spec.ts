/**
 * nbconvert's HTML of an executed example notebook shows its chart and its graph as images: the
 * kernel's `display.vega` bundle carries an SVG rendered with Vega's headless renderer, and
 * `display.graph` one drawn by the kernel's graph layout, which frontends without taskcell's
 * renderers (nbconvert, GitHub) show instead of a one-line summary or an edge list. The notebook
 * is copied to an empty folder and run there; the kernelspec goes to a temporary JUPYTER_PATH, so
 * the installed one is never used.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installKernelSpec } from '../../kernel/src/jupyter/kernelspec';
import { ROOT } from './client';

const JUPYTER = join(ROOT, '.venv', 'bin', 'jupyter');

describe('nbconvert of a notebook with a chart and a graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'taskcell-nbconvert-'));
  const env = { ...process.env, JUPYTER_PATH: join(dir, 'share'), JUPYTER_RUNTIME_DIR: join(dir, 'runtime'), JUPYTER_PLATFORM_DIRS: '1' };
  beforeAll(() => {
    if (!existsSync(JUPYTER))
      throw new Error(`${JUPYTER} is missing: run \`npm test\` (or node .ci/setup.mjs test), which creates the venv`);
    installKernelSpec(join(dir, 'share', 'kernels'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the chart and the graph of examples/getting-started.ipynb as SVG images with their marks and nodes', () => {
    const work = join(dir, 'notebook');
    mkdirSync(work);
    copyFileSync(join(ROOT, 'examples', 'getting-started.ipynb'), join(work, 'getting-started.ipynb'));
    const r = spawnSync(
      JUPYTER,
      ['nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.kernel_name=taskcell', 'getting-started.ipynb'],
      { cwd: work, env, encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0) throw new Error(`nbconvert exited with ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
    const html = readFileSync(join(work, 'getting-started.html'), 'utf8');
    // nbconvert sanitizes the HTML, which reorders attributes: match none by position.
    const chart =
      /<div [^>]*class="tc-vega"[^>]*title="\[Vega-Lite bar word counts, (\d+) data points\]"[^>]*>\s*(<svg[\s\S]*?<\/svg>)/.exec(html);
    expect(chart).not.toBeNull();
    const [, points, svg] = chart as RegExpExecArray;
    const bars = /<g [^>]*class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
    expect(Number(points)).toBeGreaterThan(0);
    expect((bars?.[1].match(/<path[ >]/g) ?? []).length).toBe(Number(points));
    expect(html).not.toContain('<p class="tc-vega">');

    // The graph of which word follows which: a circle and a label per distinct word (one per bar of
    // the chart), an edge with an arrowhead per pair of neighbours.
    const graph = /<div [^>]*class="tc-graph"[^>]*title="graph: (\d+) nodes, (\d+) edges"[^>]*>\s*(<svg[\s\S]*?<\/svg>)/.exec(html);
    expect(graph).not.toBeNull();
    const [, nodes, edges, picture] = graph as RegExpExecArray;
    expect(Number(nodes)).toBe(Number(points));
    expect(Number(edges)).toBeGreaterThan(0);
    expect((picture.match(/<circle [^>]*class="tc-GraphSvg-node"/g) ?? []).length).toBe(Number(nodes));
    expect((picture.match(/<text [^>]*class="tc-GraphSvg-label"/g) ?? []).length).toBe(Number(nodes));
    expect(
      (picture.match(/<path [^>]*class="tc-GraphSvg-edge"[^>]*marker-end=|<path [^>]*marker-end=[^>]*class="tc-GraphSvg-edge"/g) ?? [])
        .length,
    ).toBe(Number(edges));
    expect(html).not.toMatch(/<div class="tc-graph"><p>/);
  }, 300_000);
});
