/**
 * Job cards over the kernel's real sockets: a run's result renders by its ports' declared types, a
 * value by an explicit type, a pending run's card is updated in place by its display id, and an
 * awaited run shows a live card unless opted out.
 */
import { KernelClient } from './client';
import type { IMsg } from './client';

const JOB = 'application/vnd.taskcell.job+json';
const of = (iopub: IMsg[], type: string): IMsg[] => iopub.filter((m) => m.header.msg_type === type);
const displayId = (m: IMsg): string | undefined => (m.content.transient as { display_id?: string } | undefined)?.display_id;
const card = (
  m: IMsg,
): { state: string; where?: string; results?: Array<{ port: string; data: Record<string, unknown> }>; progress?: unknown } =>
  (m.content.data as Record<string, never>)[JOB];
const cards = (iopub: IMsg[], type: string): IMsg[] => of(iopub, type).filter((m) => JOB in (m.content.data as object));

describe('job cards', () => {
  const k = new KernelClient();
  beforeAll(async () => {
    await k.start();
    const setup = await k.execute(
      [
        'import { task, workflow, run, display, config, getRunner } from "taskcell";',
        'const pixels = { width: 2, height: 2, channels: 4 as const, data: new Uint8Array(16).fill(200) };',
        'const png = getRunner().formats.convert("image", "pil", "png", pixels) as Uint8Array;',
        'const typed = task({ name: "typed", inputs: { n: "number" }, outputs: { t: "table:csv", tr: "tree:newick", g: "graph:adjacencylist", img: "image:png", n2: "number" } },',
        '  ({ n }) => ({ t: "a,b\\n1,2\\n3,4\\n", tr: "((A,B)C,D)E;", g: "x y\\ny z\\n", img: png, n2: n * 2 }));',
        'const slow = task({ name: "slow", cache: false, inputs: { ms: "number" }, outputs: { t: "table:csv" } }, async ({ ms }, ctx) => {',
        '  for (let i = 0; i < 4; i++) { ctx.progress(i, 4, "working"); await new Promise((r) => setTimeout(r, ms / 4)); }',
        '  return { t: "x\\n" + ms + "\\n" }; });',
      ].join('\n'),
    );
    expect([setup.reply.content.status, setup.reply.content.evalue]).toEqual(['ok', undefined]);
  });
  afterAll(() => k.close());

  it("renders a run's result as a job card whose outputs carry the MIME types of their declared types", async () => {
    const { reply, iopub } = await k.execute('await run(typed, { n: 21 }, { cache: false })');
    expect(reply.content.status).toBe('ok');
    const result = of(iopub, 'execute_result')[0];
    const data = result.content.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual([JOB, 'text/html', 'text/plain']);
    const c = card(result);
    expect(c).toMatchObject({ state: 'SUCCESS', where: 'in-process', task: 'typed', cached: false });
    const byPort = Object.fromEntries((c.results ?? []).map((o) => [o.port, o.data]));
    expect(byPort.t['application/vnd.taskcell.table+json']).toEqual({
      fields: ['a', 'b'],
      rows: [
        { a: 1, b: 2 },
        { a: 3, b: 4 },
      ],
    });
    expect(JSON.stringify(byPort.tr['application/vnd.taskcell.tree+json'])).toContain('"node name":"A"');
    expect(byPort.g['application/vnd.taskcell.graph+json']).toMatchObject({
      nodes: expect.arrayContaining([{ id: 'x' }]),
      edges: expect.arrayContaining([expect.objectContaining({ source: 'x', target: 'y' })]),
    });
    expect(String(byPort.img['image/png'])).toMatch(/^iVBORw0KGgo/);
    expect(byPort.n2['text/plain']).toBe('42');
    for (const o of c.results ?? []) expect(o.data['text/plain']).toEqual(expect.any(String));
    expect(String(data['text/html'])).toContain('<table class="tc-table">');
    expect(String(data['text/html'])).toContain('<img src="data:image/png;base64,');
    expect(String(data['text/plain'])).toMatch(/^typed \[SUCCESS\] \(in-process, \d+ ms\)/);
  });

  it("shows a workflow's steps and outputs on its card, and display(result) shows the card", async () => {
    const { reply, iopub } = await k.execute(
      [
        'const up = task({ name: "up", inputs: { text: "string" }, outputs: { upper: "string" } }, ({ text }) => text.toUpperCase());',
        'const tab = task({ name: "tab", inputs: { upper: "string" }, outputs: { rows: "table:csv" } }, ({ upper }) => "word\\n" + upper.split(" ").join("\\n") + "\\n");',
        'const words = workflow("words").step("up", up).step("tab", tab).connect("up.upper", "tab.upper");',
        'const wr = await run(words, { text: "a b" }, { cache: false, card: false });',
        'display(wr);',
      ].join('\n'),
    );
    expect([reply.content.status, reply.content.evalue]).toEqual(['ok', undefined]);
    const shown = cards(iopub, 'display_data');
    expect(shown).toHaveLength(1);
    const c = card(shown[0]) as ReturnType<typeof card> & { steps: Record<string, string> };
    expect(c).toMatchObject({ state: 'SUCCESS', task: 'words', steps: { up: 'SUCCESS', tab: 'SUCCESS' } });
    expect(c.results?.map((o) => o.port)).toEqual(['rows']);
    expect(c.results?.[0].data['application/vnd.taskcell.table+json']).toEqual({ fields: ['word'], rows: [{ word: 'A' }, { word: 'B' }] });
    expect(String((shown[0].content.data as Record<string, unknown>)['text/plain'])).toContain('  up: SUCCESS\n  tab: SUCCESS');
  });

  it('displays a value by an explicit type and format', async () => {
    const { iopub } = await k.execute('display("((A,B)C,D)E;", "tree:newick"); display("a,b\\n1,2\\n", "table:csv")');
    const [tree, table] = of(iopub, 'display_data').map((m) => m.content.data as Record<string, unknown>);
    expect(Object.keys(tree)).toEqual(['application/vnd.taskcell.tree+json', 'text/html', 'text/plain']);
    expect(tree['text/plain']).toBe('E\n  C\n    A\n    B\n  D');
    expect(table['application/vnd.taskcell.table+json']).toEqual({ fields: ['a', 'b'], rows: [{ a: 1, b: 2 }] });
    const bad = await k.execute('display("x", "tree:nope")');
    expect(bad.reply.content).toMatchObject({ status: 'error', evalue: expect.stringContaining('Expected a format of type "tree"') });
  });

  it('shows a pending run as a live card and updates it by its display id to the outputs, without blocking the kernel', async () => {
    const started = Date.now();
    const { reply, iopub } = await k.execute('run(slow, { ms: 1200 })');
    expect(Date.now() - started).toBeLessThan(1200);
    expect(reply.content.status).toBe('ok');
    expect(of(iopub, 'execute_result')).toHaveLength(0);
    const shown = cards(iopub, 'display_data');
    expect(shown).toHaveLength(1);
    const id = displayId(shown[0]);
    expect(id).toMatch(/^taskcell-job-/);
    expect(isFinal(card(shown[0]).state)).toBe(false);
    // The kernel answers while the job runs.
    expect((await k.execute('1 + 1')).reply.content.status).toBe('ok');
    const parent = reply.parent_header.msg_id;
    const last = await k.waitFor(
      (m) => m.header.msg_type === 'update_display_data' && displayId(m) === id && card(m).state === 'SUCCESS',
      10000,
    );
    expect(last.parent_header.msg_id).toBe(parent);
    const results = card(last).results ?? [];
    expect(results.map((o) => o.port)).toEqual(['t']);
    expect(results[0].data['application/vnd.taskcell.table+json']).toEqual({ fields: ['x'], rows: [{ x: 1200 }] });
    const progress = k.received.filter((m) => m.header.msg_type === 'update_display_data' && displayId(m) === id && card(m).progress);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('ends a pending run that fails with its error on the card', async () => {
    const { reply, iopub } = await k.execute(
      'run(task({ name: "fails", cache: false, inputs: {}, outputs: {} }, async () => { await new Promise((r) => setTimeout(r, 300)); throw new Error("no data"); }), {})',
    );
    expect(reply.content.status).toBe('ok');
    const id = displayId(cards(iopub, 'display_data')[0]);
    const last = await k.waitFor((m) => m.header.msg_type === 'update_display_data' && displayId(m) === id && card(m).state === 'ERROR');
    expect((card(last) as { error?: string }).error).toContain('no data');
    expect(card(last).results).toBeUndefined();
    // The card reports the failure; it is not reported again as an unhandled rejection.
    await new Promise((r) => setTimeout(r, 300));
    expect(k.received.filter((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('no data'))).toHaveLength(0);
  });

  it('shows a live card while a run is awaited, unless turned off per run or globally', async () => {
    const on = await k.execute('(await run(slow, { ms: 800 })).data.t');
    const shown = cards(on.iopub, 'display_data');
    expect(shown).toHaveLength(1);
    const updates = cards(on.iopub, 'update_display_data').filter((m) => displayId(m) === displayId(shown[0]));
    expect(updates.length).toBeGreaterThan(0);
    const final = card(updates[updates.length - 1]);
    expect(final.state).toBe('SUCCESS');
    // The awaited result is the cell's value; the live card ends as a summary.
    expect(final.results).toBeUndefined();

    const perRun = await k.execute('(await run(slow, { ms: 800 }, { card: false })).data.t');
    expect(cards(perRun.iopub, 'display_data')).toHaveLength(0);
    expect(cards(perRun.iopub, 'update_display_data')).toHaveLength(0);
    expect(of(perRun.iopub, 'execute_result')).toHaveLength(1);

    const global = await k.execute('config.liveCards = false; const r = (await run(slow, { ms: 800 })).data.t; config.liveCards = true; r');
    expect(cards(global.iopub, 'display_data')).toHaveLength(0);
    expect(of(global.iopub, 'execute_result')).toHaveLength(1);
  });
});

function isFinal(state: string): boolean {
  return state === 'SUCCESS' || state === 'ERROR' || state === 'CANCELED';
}
