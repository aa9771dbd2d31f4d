import { CaptureError, carryScope, freeVariables, run, setTaskScope, task, taskFromWire, taskToWire } from '@taskcell/core';
import type { IDisposable, ScopeBinding } from '@taskcell/core';
import { freshRunner, thrown } from './helpers';

/** A module's declarations, as the kernel's cells give them: values, and imports by module and export. */
function scopeOf(values: Record<string, unknown>, imports: Record<string, { module: string; name: string }> = {}): IDisposable {
  return setTaskScope({
    lookup: (name): ScopeBinding | undefined =>
      name in imports ? { kind: 'import', ...imports[name] } : name in values ? { kind: 'value', value: values[name] } : undefined,
  });
}

/** Through the wire and back, as a thread or a worker gets it. */
const travel = (t: { spec: Parameters<typeof taskToWire>[0] }, where = 'on a thread') =>
  taskFromWire(JSON.parse(JSON.stringify(taskToWire(t.spec, where))));

let scope: IDisposable | undefined;
beforeEach(() => freshRunner());
afterEach(() => scope?.dispose());

describe('free variables', () => {
  test('notes exports.NAME reads and require calls when exports and require are not declared', () => {
    const fv = freeVariables(
      new Function('return (x) => exports.scale(x) + exports["k"] + require("node:os").cpus().length + require(x)')(),
    );
    expect(fv).toMatchObject({ captured: [], members: ['k', 'scale'], requires: ['node:os', null], expression: true });
    const own = freeVariables(new Function('return (exports, require) => exports.a + require("b")')());
    expect(own).toMatchObject({ members: [], requires: [] });
    expect(freeVariables({ m() {} }.m).expression).toBe(false);
  });
});

describe('task scope', () => {
  test('helpers, classes, constants and built-in imports travel with the task, dependencies first', async () => {
    const values: Record<string, unknown> = {
      K: 3,
      scale: new Function('return function scale(x) { return x * K + exports.offsets.a; }')(),
      offsets: { a: 1, 'b c': [NaN, -0, Infinity, 2n, undefined, null] },
      when: new Date(5),
      tags: new Set(['x']),
      names: new Map([[1, 'one']]),
      bytes: Buffer.from([1, 2, 3]),
      pattern: /a+b/gi,
      Vec: new Function('return class Vec { constructor(x) { this.x = x; } twice() { return new Vec(exports.scale(this.x)); } }')(),
    };
    scope = scopeOf(values, { join: { module: 'node:path', name: 'join' }, core: { module: 'taskcell', name: '*' } });
    const body = new Function(
      'return ({ x }) => ({ y: exports.Vec ? new Vec(x).twice().x : 0, p: exports.join("a", "b"), rgba: core.rgbaImage(1, 1).data.length,' +
        ' facts: [offsets["b c"].map(String), when.getTime(), [...tags], [...names], Array.from(bytes), pattern.flags, require("node:os").EOL.length] })',
    )();
    const t = task(
      { name: 'helped', inputs: { x: 'number' }, outputs: { y: 'number', p: 'string', rgba: 'number', facts: 'python' } },
      body,
    );
    const wire = taskToWire(t.spec, 'on a thread');
    expect(typeof wire.scope).toBe('string');
    expect(String(wire.scope).indexOf('let K = 3;')).toBeLessThan(String(wire.scope).indexOf('let scale ='));
    scope.dispose();
    // Where the task lands there is no scope: it brings its own.
    const back = taskFromWire(JSON.parse(JSON.stringify(wire)));
    const result = await run(back, { x: 2 }, { cache: false });
    expect(result.data).toEqual({
      y: 7,
      p: 'a/b',
      rgba: 4,
      facts: [['NaN', '0', 'Infinity', '2', 'undefined', 'null'], 5, ['x'], [[1, 'one']], [1, 2, 3], 'gi', 1],
    });
  });

  test('what cannot travel is refused with each name and why; a variable no scope declares keeps the short message', () => {
    class Counter {
      n = 0;
    }
    scope = scopeOf(
      {
        counter: new Counter(),
        nested: { deep: [{ fn: () => 1 }] },
        bound: Math.max.bind(Math),
        method: { m() {} }.m,
      },
      { display: { module: 'taskcell', name: 'display' }, pad: { module: 'left-pad', name: 'default' } },
    );
    const body = new Function(
      'return (i) => counter.n + nested.deep.length + bound(1) + method() + display + pad + local + require("fs").sep + require(i.m)',
    )();
    const t = task({ name: 'leaky', inputs: { m: 'string' }, outputs: { y: 'number' } }, body);
    const err = thrown<CaptureError>(() => taskToWire(t.spec, 'on a thread'));
    expect(err).toBeInstanceOf(CaptureError);
    expect(err.message).toBe(
      'Task "leaky" cannot run on a thread: `require(...)` loads a module whose name is computed; ' +
        '`bound` is a native or bound function, which has no source to carry; ' +
        '`counter` is a live object (a Counter), which cannot be copied; ' +
        "`display` comes from taskcell's kernel API, which workers do not have (they have taskcell's core); " +
        '`method` is a method, which cannot travel without its object; ' +
        '`nested` holds a function at .deep[0].fn: declare it on its own so it travels as source; ' +
        '`pad` is imported from "left-pad", which a worker may not have: give a worker packages through a task\'s "module" ("package:export"); ' +
        '`local` is a variable of a cell, not of the notebook. Pass plain data as inputs, or run the task in-process',
    );
    expect(err.context.captured).toEqual(['local', 'require(...)', 'bound', 'counter', 'display', 'method', 'nested', 'pad']);
    expect(carryScope(body).ok).toBe(false);
    scope.dispose();
    const plain = task({ name: 'plain', inputs: { x: 'number' }, outputs: { y: 'number' } }, new Function('return ({ x }) => x * K')());
    expect(thrown(() => taskToWire(plain.spec, 'on a thread')).message).toBe(
      'Task "plain" uses `K` from the notebook, so it cannot run on a thread: pass it as an input, or run the task in-process',
    );
  });

  test('a constant changed between runs travels with the next run, and keys the result cache', async () => {
    const values: Record<string, unknown> = { K: 2 };
    scope = scopeOf(values);
    // As a cell compiles it: another cell's constant is read from the module's exports.
    const body = new Function('exports', 'return ({ x }) => x * exports.K')(values);
    const t = task({ name: 'times', inputs: { x: 'number' }, outputs: { y: 'number' } }, body);
    expect((await run(travel(t), { x: 5 }, { cache: false })).data.y).toBe(10);
    values.K = 7;
    expect((await run(travel(t), { x: 5 }, { cache: false })).data.y).toBe(35);
    const first = await run(t, { x: 1 });
    expect([first.cached, first.data.y]).toEqual([false, 7]);
    expect((await run(t, { x: 1 })).cached).toBe(true);
    values.K = 8;
    const changed = await run(t, { x: 1 });
    expect([changed.cached, changed.data.y]).toEqual([false, 8]);
  });
});
