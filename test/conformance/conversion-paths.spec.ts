/**
 * taskcell's converter paths against Girder Worker's: for every reachable (type, from, to) of
 * `conversion_paths.json` (`types_only`), `converterPath` must give the same formats in the same
 * order. Every type must register every format on its paths, so a family not yet registered fails
 * here. With Girder Worker's R plugin (`types_and_r`), every pair that reaches or leaves an R format
 * must take Girder Worker's path too; the other pairs of that graph go through R in Girder Worker
 * (newick -> r.apetree -> nested) where taskcell reads the text natively.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner } from '@taskcell/core';
import { SHARED } from './harness';

interface IReachable {
  type: string;
  from: string;
  to: string;
  path: string[];
}

/** Types left out of the comparison, with the reason: none, now that pickles and netCDF go through Python. */
const EXCLUDED: Record<string, string> = {};

const paths = JSON.parse(readFileSync(join(SHARED, 'conversion_paths.json'), 'utf8')) as Record<
  'types_only' | 'types_and_r',
  { nodes: string[][]; reachable: IReachable[] }
>;
const gw = paths.types_only;
const types = [...new Set(gw.nodes.map(([t]) => t))];
const formats = createRunner().formats;
const tally = { compared: 0, skipped: 0, excluded: 0, failed: [] as string[] };

describe('conversion paths: taskcell vs Girder Worker (conversion_paths.json, types_only)', () => {
  for (const type of types) {
    const reachable = gw.reachable.filter((r) => r.type === type);
    if (EXCLUDED[type] !== undefined) {
      tally.excluded += reachable.length;
      continue;
    }

    test(`${type}: every format on a Girder Worker conversion path is registered`, () => {
      const onPaths = [...new Set(reachable.flatMap((r) => r.path))].sort();
      const missing = onPaths.filter((f) => !formats.hasFormat(type, f));
      expect({ type, missing }).toEqual({ type, missing: [] });
    });

    test(`${type}: converterPath equals Girder Worker's path for every reachable pair`, () => {
      const wrong: string[] = [];
      for (const r of reachable) {
        if (!formats.hasFormat(type, r.from) || !formats.hasFormat(type, r.to)) {
          tally.skipped++;
          wrong.push(`${r.from} -> ${r.to}: format not registered`);
          continue;
        }
        tally.compared++;
        const path = formats.converterPath(type, r.from, r.to);
        if (JSON.stringify(path) !== JSON.stringify(r.path))
          wrong.push(`${r.from} -> ${r.to}: GW ${r.path.join(' > ')}, taskcell ${path?.join(' > ') ?? 'none'}`);
      }
      if (wrong.length) tally.failed.push(`${type}: ${wrong.length} of ${reachable.length}`);
      expect(wrong).toEqual([]);
    });
  }

  afterAll(() => {
    const lines = [
      `conversion_paths.json types_only: ${tally.compared} of ${gw.reachable.length} reachable (type, from, to) compared, ${tally.skipped} not comparable (format not registered), ${tally.excluded} excluded`,
    ];
    for (const f of tally.failed) lines.push(`  failed: ${f}`);
    for (const [t, why] of Object.entries(EXCLUDED)) lines.push(`  excluded: ${t}: ${why}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });
});

describe('conversion paths with R: taskcell vs Girder Worker (conversion_paths.json, types_and_r)', () => {
  const R_FORMATS = new Set(['r.apetree', 'r.dataframe', 'treestore']);
  const viaR = paths.types_and_r.reachable.filter((r) => r.type === 'r' || R_FORMATS.has(r.from) || R_FORMATS.has(r.to));

  test('every pair that reaches or leaves an R format takes the path Girder Worker takes', () => {
    const wrong = viaR
      .map((r) => ({ pair: `${r.type}: ${r.from} -> ${r.to}`, gw: r.path, taskcell: formats.converterPath(r.type, r.from, r.to) }))
      .filter((p) => JSON.stringify(p.gw) !== JSON.stringify(p.taskcell));
    expect(viaR.length).toBeGreaterThan(30);
    expect(wrong).toEqual([]);
  });
});
