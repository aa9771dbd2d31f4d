import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelClient } from './client';
import type { IMsg } from './client';

const of = (iopub: IMsg[], type: string): IMsg[] => iopub.filter((m) => m.header.msg_type === type);

describe('execute', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it('frames every request with busy and idle, and builds replies from their parents', async () => {
    const { reply, iopub } = await k.exchange('kernel_info_request', {});
    expect(reply.content).toMatchObject({
      status: 'ok',
      protocol_version: '5.3',
      implementation: 'taskcell',
      language_info: { name: 'typescript' },
    });
    expect(iopub.map((m) => m.content.execution_state)).toEqual(['busy', 'idle']);
  });

  it('counts executions stored in history, not silent or unstored ones', async () => {
    const a = await k.execute('1');
    const n = Number(a.reply.content.execution_count);
    const silent = await k.execute('2', { silent: true });
    expect(silent.reply.content.execution_count).toBe(n);
    expect(of(silent.iopub, 'execute_input')).toHaveLength(0);
    expect(of(silent.iopub, 'execute_result')).toHaveLength(0);
    const unstored = await k.execute('3', { store_history: false });
    expect(unstored.reply.content.execution_count).toBe(n);
    expect(of(unstored.iopub, 'execute_result')).toHaveLength(1);
    const b = await k.execute('4');
    expect(b.reply.content.execution_count).toBe(n + 1);
    expect(of(b.iopub, 'execute_result')[0].content.execution_count).toBe(n + 1);
  });

  it('sends the last expression as an execute_result with a rich bundle, and nothing for undefined', async () => {
    const table = await k.execute('({ fields: ["a"], rows: [{ a: 1 }, { a: 2 }] })');
    const data = of(table.iopub, 'execute_result')[0].content.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(expect.arrayContaining(['application/vnd.taskcell.table+json', 'text/html', 'text/plain']));
    const custom = await k.execute('({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>me</i>" }; } })');
    expect(of(custom.iopub, 'execute_result')[0].content.data).toMatchObject({
      'text/html': '<i>me</i>',
      'text/plain': expect.any(String),
    });
    const none = await k.execute('console.log("x")');
    expect(of(none.iopub, 'execute_result')).toHaveLength(0);
    expect(of(none.iopub, 'stream')[0].content).toEqual({ name: 'stdout', text: 'x\n' });
  });

  it('reports errors as an IOPub error and an execute_reply with ename, evalue and traceback', async () => {
    const { reply, iopub } = await k.execute('const boom = (): never => { throw new RangeError("too far"); };\nboom()');
    expect(reply.content).toMatchObject({ status: 'error', ename: 'RangeError', evalue: 'too far' });
    expect(Array.isArray(reply.content.traceback)).toBe(true);
    expect(of(iopub, 'error')[0].content).toMatchObject({ ename: 'RangeError', evalue: 'too far' });
    const typeError = await k.execute('const n: number = "text";');
    expect(typeError.reply.content).toMatchObject({ status: 'error', ename: 'CompileError [taskcell:compile]' });
    expect(String(typeError.reply.content.evalue)).toContain("1:7 - Type 'string' is not assignable to type 'number'");
  });

  it('aborts executes queued behind an error when stop_on_error is set, not otherwise', async () => {
    const first = k.execute('throw new Error("first")');
    const second = k.execute('"second"');
    const [a, b] = await Promise.all([first, second]);
    expect(a.reply.content.status).toBe('error');
    expect(b.reply.content.status).toBe('aborted');
    // An aborted cell never ran: no execution count, as ipykernel sends.
    expect(b.reply.content.execution_count).toBeNull();
    expect(b.iopub.some((m) => m.header.msg_type === 'execute_input')).toBe(false);
    const third = k.execute('throw new Error("third")', { stop_on_error: false });
    const fourth = k.execute('"fourth"');
    const [, d] = await Promise.all([third, fourth]);
    expect(d.reply.content.status).toBe('ok');
  });

  it('evaluates user_expressions after the code', async () => {
    const { reply } = await k.execute('const base = 20;', { user_expressions: { twice: 'base * 2', bad: 'nope.nope' } });
    const ue = reply.content.user_expressions as Record<string, { status: string; data?: Record<string, string>; ename?: string }>;
    expect(ue.twice).toMatchObject({ status: 'ok', data: { 'text/plain': '40' } });
    expect(ue.bad.status).toBe('error');
  });

  it('types prompt() in every cell, lets a cell declare its own, and names cell frames in tracebacks', async () => {
    for (let i = 0; i < 3; i++) await k.execute(`const step${i}: number = ${i};`);
    const typed = await k.execute('const answer: number = prompt("n?");');
    expect(String(typed.reply.content.evalue)).toContain("is not assignable to type 'number'");
    const kind = await k.execute('typeof prompt');
    expect(of(kind.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': "'function'" });
    await k.execute('const prompt = (q: string) => `asked: ${q}`;');
    const own = await k.execute('prompt("x")');
    expect(of(own.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': "'asked: x'" });
    const failed = await k.execute('const fail = () => { throw new Error("here"); };\nfail()');
    expect(failed.reply.content.traceback).toEqual(expect.arrayContaining([expect.stringMatching(/^\s+at fail \(cell:\d+:\d+\)$/)]));
  });

  it('supports top-level await and keeps declarations across cells', async () => {
    await k.execute('const later = await new Promise<number>((r) => setTimeout(() => r(7), 10));');
    const { iopub } = await k.execute('later * 6');
    expect(of(iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '42' });
  });

  it('display(), display.*, newDisplay() updates and clear_output', async () => {
    const { iopub } = await k.execute(
      [
        'import { display, newDisplay } from "taskcell";',
        'display({ a: 1 });',
        'display.html("<b>x</b>");',
        'display.vega({ mark: "bar", data: { values: [{ a: 1 }] } });',
        'display.tree({ node_data: { name: "root" }, children: [{ node_data: { name: "leaf" } }] });',
        'display.graph({ nodes: [{ id: 1 }, { id: 2 }], edges: [{ source: 1, target: 2 }] });',
        'display.image(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));',
        'const d = newDisplay(); d.markdown("one"); d.markdown("two");',
        'display.clear({ wait: true });',
      ].join('\n'),
    );
    const displays = of(iopub, 'display_data').map((m) => Object.keys(m.content.data as object));
    expect(displays).toEqual([
      ['text/plain'],
      ['text/html', 'text/plain'],
      ['application/vnd.vegalite.v6+json', 'image/svg+xml', 'text/html', 'text/plain'],
      ['application/vnd.taskcell.tree+json', 'text/html', 'text/plain'],
      ['application/vnd.taskcell.graph+json', 'image/svg+xml', 'text/html', 'text/plain'],
      ['application/vnd.taskcell.image+json', 'image/png', 'text/plain'],
      ['text/markdown', 'text/plain'],
    ]);
    const first = of(iopub, 'display_data')[6];
    const update = of(iopub, 'update_display_data')[0];
    expect(update.content.transient).toEqual(first.content.transient);
    expect(update.content.data).toMatchObject({ 'text/markdown': 'two' });
    expect(of(iopub, 'clear_output')[0].content).toEqual({ wait: true });
  });

  it('shows a running job inline and updates it in place when no taskcell comm is open', async () => {
    const { iopub } = await k.execute(
      [
        'import { task, run } from "taskcell";',
        'const step = task({ name: "step", inputs: { n: "number" }, outputs: { m: "number" } }, async ({ n }, ctx) => { for (let i = 0; i < 5; i++) { ctx.progress(i, 5); await new Promise((r) => setTimeout(r, 120)); } return n + 1; });',
        '(await run(step, { n: 1 })).data.m',
      ].join('\n'),
    );
    const shown = of(iopub, 'display_data').find((m) => 'application/vnd.taskcell.job+json' in (m.content.data as object));
    expect(shown).toBeDefined();
    const updates = of(iopub, 'update_display_data').filter(
      (m) => (m.content.transient as { display_id: string }).display_id === (shown?.content.transient as { display_id: string }).display_id,
    );
    expect(updates.length).toBeGreaterThan(0);
    expect(String((updates[updates.length - 1].content.data as Record<string, unknown>)['text/plain'])).toContain('[SUCCESS]');
    expect(of(iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
  });

  it('answers complete, inspect, is_complete and history', async () => {
    await k.execute('const taskcellValue = 1;');
    const c = await k.request('complete_request', { code: 'taskcellVa', cursor_pos: 10 });
    expect(c.content).toMatchObject({ status: 'ok', cursor_start: 0, cursor_end: 10 });
    expect(c.content.matches).toContain('taskcellValue');
    const i = await k.request('inspect_request', { code: 'taskcellValue', cursor_pos: 5, detail_level: 0 });
    expect(i.content).toMatchObject({ status: 'ok', found: true, data: { 'text/plain': expect.stringContaining('taskcellValue: 1') } });
    expect((await k.request('is_complete_request', { code: 'if (x) {' })).content).toEqual({ status: 'incomplete', indent: '  ' });
    expect((await k.request('is_complete_request', { code: 'let 5x' })).content).toEqual({ status: 'invalid' });
    const h = await k.request('history_request', { output: false, raw: true, hist_access_type: 'tail', n: 1 });
    expect(h.content.history).toEqual([[1, expect.any(Number), 'const taskcellValue = 1;']]);
  });

  it('shuts down on shutdown_request and exits', async () => {
    const exited = new Promise((r) => k.proc?.once('exit', r));
    const reply = await k.request('shutdown_request', { restart: false }, 'control');
    expect(reply.content).toEqual({ status: 'ok', restart: false });
    const code = await exited;
    if (code !== 0) console.log(`kernel exited with ${String(code)} (${String(k.proc?.signalCode)}):\n${k.stderr.slice(-3000)}`);
    expect(code).toBe(0);
  });
});

describe('modules from the notebook directory', () => {
  const k = new KernelClient();
  const nb = join(k.dir, 'notebook');
  beforeAll(async () => {
    const pkg = (name: string, files: Record<string, string>): void => {
      mkdirSync(join(nb, 'node_modules', name), { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(nb, 'node_modules', name, f), text);
    };
    pkg('cjs-only', {
      'package.json': '{"name":"cjs-only","main":"index.js","types":"index.d.ts"}',
      'index.js': 'exports.triple = (x) => 3 * x;',
      'index.d.ts': 'export declare function triple(x: number): number;',
    });
    pkg('esm-only', {
      'package.json':
        '{"name":"esm-only","type":"module","exports":{".":{"types":"./index.d.ts","import":"./index.js"}},"types":"index.d.ts"}',
      'index.js': 'export const shout = (s) => s.toUpperCase() + "!";',
      'index.d.ts': 'export declare function shout(s: string): string;',
    });
    // A package the kernel also ships: the notebook directory's own copy wins.
    pkg('tar', {
      'package.json': '{"name":"tar","main":"index.js","types":"index.d.ts"}',
      'index.js': 'exports.mine = "the notebook\'s tar";',
      'index.d.ts': 'export declare const mine: string;',
    });
    await k.start(nb);
  });
  afterAll(() => k.close());

  it('prefers its own copy of a package the kernel ships', async () => {
    const { reply, iopub } = await k.execute('import { mine } from "tar";\nconsole.log(mine)');
    expect(reply.content.status).toBe('ok');
    expect(of(iopub, 'stream')[0].content.text).toBe("the notebook's tar\n");
  });

  it('imports node built-ins, taskcell, and CommonJS and ESM-only packages of the notebook directory', async () => {
    const { reply, iopub } = await k.execute(
      [
        'import { join } from "node:path";',
        'import { task, getRunner } from "taskcell";',
        'import { triple } from "cjs-only";',
        'import { shout } from "esm-only";',
        'console.log(join("a", "b"), typeof task, typeof getRunner, triple(2), shout("hi"));',
      ].join('\n'),
    );
    expect(reply.content).toMatchObject({ status: 'ok' });
    expect(
      of(iopub, 'stream')
        .map((m) => m.content.text)
        .join(''),
    ).toBe('a/b function function 6 HI!\n');
  });
});

describe('a notebook directory with no node_modules', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it('compiles console.log and imports taskcell', async () => {
    const { reply, iopub } = await k.execute('import { workflow } from "taskcell";\nconsole.log(typeof workflow)');
    expect(reply.content.status).toBe('ok');
    expect(of(iopub, 'stream')[0].content.text).toBe('function\n');
  });

  it('takes the packages the kernel ships (dockerode, tar) and their types from its installation, and Node types', async () => {
    const { reply, iopub } = await k.execute(
      [
        'import Docker from "dockerode";',
        'import * as tar from "tar";',
        'import { existsSync } from "node:fs";',
        'const docker: Docker = new Docker({ socketPath: "/nowhere.sock" });',
        'const create: typeof tar.c = tar.c;',
        'await new Promise<void>((r) => setTimeout(r, 1));',
        'console.log(typeof docker.listContainers, typeof create, existsSync("/"));',
      ].join('\n'),
    );
    expect(reply.content).toMatchObject({ status: 'ok' });
    expect(of(iopub, 'stream')[0].content.text).toBe('function function true\n');
    // A type error in their use is still caught: the types are the real ones.
    const wrong = await k.execute('const n: number = new Docker().modem;');
    expect(String(wrong.reply.content.evalue)).toMatch(/is not assignable to type 'number'/);
  });
});
