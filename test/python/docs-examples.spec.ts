/**
 * Girder Worker's documented examples, unchanged, through the `taskcell` command and through
 * `run()`: the Facebook ego-graph workflow (NetworkX) and the image blur/metrics workflows (Pillow),
 * in the project venv's Python.
 */
import { createRunner, run, setRunner } from '@taskcell/core';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED, conformance, loadCases } from '../conformance/harness';

type Json = Record<string, unknown>;
const ROOT = join(__dirname, '..', '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const dir = mkdtempSync(join(tmpdir(), 'tc-docs-'));
const png = join(dir, 'generated.png');

/** A 64x64 RGB PNG made with Pillow, and what Pillow itself says the metrics workflow should give for it. */
function makePng(): number {
  const script = `
from PIL import Image, ImageFilter, ImageMath, ImageStat
import random, warnings
warnings.simplefilter("ignore")
random.seed(7)
img = Image.new("RGB", (64, 64))
img.putdata([(random.randrange(256), (x * 4) % 256, (y * 4) % 256) for y in range(64) for x in range(64)])
img.save(${JSON.stringify(png)})
a, b = img.filter(ImageFilter.GaussianBlur(1)), img.filter(ImageFilter.GaussianBlur(8))
print(repr(ImageStat.Stat(ImageMath.eval("abs(int(a) - int(b))", a=a, b=b)).mean[0]))
`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

function taskcell(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'kernel', 'bin', 'taskcell.js'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, TASKCELL_CACHE_DIR: join(dir, 'cache') },
  });
  if (r.status !== 0) throw new Error(`taskcell ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, { format: string; data: unknown }>;
}

/** A node-link graph as sets: node ids, and undirected edges as sorted id pairs. Reads both networkx dialects. */
function shape(g: Json): { nodes: string[]; edges: string[] } {
  const raw = (g.nodes as Json[]).map((n) => n.id);
  const nodes = raw.map(String);
  const links = (g.links ?? g.edges) as Json[];
  // networkx 1.x wrote link ends as indices into `nodes`; later versions write the node ids.
  const id = (v: unknown) => (typeof v === 'number' && !raw.includes(v) ? nodes[v] : String(v));
  const edges = links.map((l) => [id(l.source), id(l.target)].sort().join(' '));
  return { nodes: [...nodes].sort(), edges: [...new Set(edges)].sort() };
}

let expectedMean: number;
let server: Server;
let base: string;
beforeAll(async () => {
  setRunner(createRunner({ cacheDir: join(dir, 'cache') }));
  expectedMean = makePng();
  server = createServer((req, res) =>
    req.url === '/Lenna.png' ? res.writeHead(200, { 'content-type': 'image/png' }).end(readFileSync(png)) : res.writeHead(404).end(),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the documented examples through `taskcell run`', () => {
  test('Facebook: person 510, degree 158, an ego graph of 159 nodes and 300 edges, as in data.json', () => {
    const spec = join(SHARED, 'raw', 'docs', 'static', 'facebook-example-spec.json');
    const data = join(SHARED, 'raw', 'docs', 'static', 'facebook-sample-data.txt');
    const out = taskcell(['run', spec, '--input', `G=@${data}`, '--output', 'result_graph={"format":"networkx.json"}']);
    const g = JSON.parse(out.result_graph.data as string) as Json;
    const { nodes, edges } = shape(g);
    expect([nodes.length, edges.length]).toEqual([159, 300]);
    const degree = (n: string) => edges.filter((e) => e.split(' ').includes(n)).length;
    expect(nodes.reduce((best, n) => (degree(n) > degree(best) ? n : best))).toBe('510');
    expect(degree('510')).toBe(158);
    expect(shape(g)).toEqual(shape(JSON.parse(readFileSync(join(SHARED, 'raw', 'docs', 'static', 'data.json'), 'utf8'))));
  });

  test('image metrics: the mean difference of two blurs of a generated PNG is what Pillow gives', () => {
    const task = loadCases('docs_examples.json').cases.find((c) => c.name === 'docs.image.metrics_workflow')!.task!;
    const spec = join(dir, 'metrics.json');
    writeFileSync(spec, JSON.stringify(task));
    const out = taskcell([
      'run',
      spec,
      '--input',
      `blur1.blur_input=@${png}`,
      '--input',
      `blur2.blur_input=@${png}`,
      '--input',
      'blur1.blur_radius=1',
      '--input',
      'blur2.blur_radius=8',
    ]);
    expect(out.mean_value.format).toBe('number');
    expect(out.mean_value.data).toBeCloseTo(expectedMean, 9);
  });
});

conformance('docs_examples.json', async (c) => {
  // Lenna.png is not shipped and there is no network: the generated PNG is served from loopback in its place.
  const inputs = JSON.parse(
    JSON.stringify(c.input).replaceAll('https://upload.wikimedia.org/wikipedia/en/2/24/Lenna.png', `${base}/Lenna.png`),
  ) as Json;
  if (c.name === 'docs.facebook.most_popular_ego_graph') {
    const g = inputs.G as Json;
    inputs.G = { format: g.format, data: readFileSync(join(SHARED, g.data_file as string), 'utf8') };
  }
  const r = await run(c.task!, inputs, (c.outputs ?? {}) as Json, { cache: false });
  if (c.name === 'docs.facebook.most_popular_ego_graph') {
    const want = JSON.parse(readFileSync(join(SHARED, 'raw', 'docs', 'static', 'data.json'), 'utf8')) as Json;
    expect(shape(JSON.parse(r.outputs.result_graph.data as string))).toEqual(shape(want));
  } else if (c.name === 'docs.image.metrics_workflow') {
    // GW's 27.79 is for the real Lenna.png; for the generated image, Pillow's own figure is the expectation.
    expect(r.outputs.mean_value.data as number).toBeCloseTo(expectedMean, 9);
  } else {
    const img = r.outputs.the_image.data as { width: number; height: number; data: Uint8Array };
    expect([img.width, img.height, img.data.length]).toEqual([64, 64, 64 * 64 * 4]);
  }
  // "--- beginning/finished: <step> ---" lines: taskcell reports step states as job events instead of printing them.
});
