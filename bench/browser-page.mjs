// A page in headless Chromium for browser benchmarks: one entry module (an extension renderer and
// its peer, written as a bench page script) bundled with esbuild, loaded with the extension's
// stylesheet into a blank page, no JupyterLab server needed. The page is fixed in size so that
// every run lays out the same box. Used by the *.bench.mjs files that time renderers in a browser.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundle `entry` (a path under the project) for the browser; the text of one script. */
export async function bundle(entry) {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: true,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].text;
}

/**
 * Open Debian's Chromium on a blank page of `viewport` with the extension's stylesheet and
 * `script` (from `bundle`) loaded. `theme` sets the few JupyterLab variables the renderers read.
 */
export async function openPage(script, { viewport = { width: 1200, height: 800 }, theme = 'light' } = {}) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport });
  const log = [];
  page.on('pageerror', (err) => log.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') log.push(`console error: ${msg.text()}`);
  });
  const css = readFileSync(join(ROOT, 'style', 'base.css'), 'utf8');
  const vars =
    theme === 'dark'
      ? '--jp-layout-color0:#111;--jp-layout-color1:#212121;--jp-ui-font-color0:#fff;--jp-ui-font-color1:#e0e0e0;--jp-content-font-color1:#e0e0e0;--jp-border-color1:#616161'
      : '--jp-layout-color0:#fff;--jp-layout-color1:#fff;--jp-ui-font-color0:#000;--jp-ui-font-color1:#212121;--jp-content-font-color1:#212121;--jp-border-color1:#bdbdbd';
  await page.setContent(
    `<!doctype html><html><head><meta charset="utf-8"><style>:root{${vars};--jp-ui-font-size1:13px;--jp-ui-font-family:sans-serif}` +
      `body{margin:0;font-family:sans-serif}</style><style>${css}</style></head>` +
      `<body data-jp-theme-light="${theme !== 'dark'}"><div id="host" style="width:${viewport.width - 40}px;height:${viewport.height - 40}px;margin:20px"></div></body></html>`,
  );
  await page.addScriptTag({ content: script });
  return { browser, page, log };
}

/** Median of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
