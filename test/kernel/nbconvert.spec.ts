/**
 * nbconvert's HTML of an executed example notebook shows its chart as an image: the kernel's
 * `display.vega` bundle carries an SVG rendered with Vega's headless renderer, which frontends
 * without Vega (nbconvert, GitHub) show instead of a one-line summary. The kernelspec goes to a
 * temporary JUPYTER_PATH, so the installed one is never used.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installKernelSpec } from '../../kernel/src/jupyter/kernelspec';
import { ROOT } from './client';

const JUPYTER = join(ROOT, '.venv', 'bin', 'jupyter');

describe('nbconvert of a notebook with a chart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'taskcell-nbconvert-'));
  const env = { ...process.env, JUPYTER_PATH: join(dir, 'share'), JUPYTER_RUNTIME_DIR: join(dir, 'runtime'), JUPYTER_PLATFORM_DIRS: '1' };
  beforeAll(() => {
    if (!existsSync(JUPYTER))
      throw new Error(`${JUPYTER} is missing: run \`npm test\` (or node .ci/setup.mjs test), which creates the venv`);
    installKernelSpec(join(dir, 'share', 'kernels'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the chart of examples/getting-started.ipynb as an SVG with one bar per data point', () => {
    const notebook = join(ROOT, 'examples', 'getting-started.ipynb');
    const r = spawnSync(
      JUPYTER,
      ['nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.kernel_name=taskcell', '--output-dir', dir, notebook],
      { cwd: dir, env, encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0) throw new Error(`nbconvert exited with ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
    const html = readFileSync(join(dir, 'getting-started.html'), 'utf8');
    // nbconvert sanitizes the HTML, which reorders attributes: match none by position.
    const chart =
      /<div [^>]*class="tc-vega"[^>]*title="\[Vega-Lite bar word counts, (\d+) data points\]"[^>]*>\s*(<svg[\s\S]*?<\/svg>)/.exec(html);
    expect(chart).not.toBeNull();
    const [, points, svg] = chart as RegExpExecArray;
    const bars = /<g [^>]*class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
    expect(Number(points)).toBeGreaterThan(0);
    expect((bars?.[1].match(/<path[ >]/g) ?? []).length).toBe(Number(points));
    expect(html).not.toContain('<p class="tc-vega">');
  }, 300_000);
});
