// Run every benchmark in this folder (after `npm run build`), or the ones named: node bench/run.mjs core
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const f of readdirSync(here)
  .filter((n) => /\.bench\.m?js$/.test(n))
  .sort()) {
  if (only.length && !only.some((o) => f.startsWith(o))) continue;
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, f)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
