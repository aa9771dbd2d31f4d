/**
 * Girder Worker's format tests: converter paths, `has_converter`, `Validator.is_valid`, the errors
 * of `run` when a port's format is unknown or unreachable, and printing the conversion graph.
 * These span every type: a case about a type whose family is not registered fails until it is.
 */
import { getRunner } from '@taskcell/core';
import type { FormatRegistry } from '@taskcell/core';
import { conformance } from './harness';
import type { ICase } from './harness';
import { expectGwError, runCase } from './gw-run';

type Node = { type: string | null; format: string | null };

conformance('format.json', async (c: ICase) => {
  const formats = getRunner().formats;
  const input = (c.input ?? {}) as { source?: Node; target?: Node };

  if (c.kind === 'path') {
    const source = input.source ?? { type: c.type, format: c.from_format };
    const target = input.target ?? { type: c.type, format: c.to_format };
    if (c.expected_error && c.expected_error.match !== 'no path') {
      // Girder Worker's converter_path looks the nodes up first; taskcell's convert does too.
      await expectGwError(() => formats.convert(source.type!, source.format!, target.format!, undefined), c.expected_error.match);
      return;
    }
    const path = Private.converterPath(
      formats,
      { type: source.type!, format: source.format! },
      { type: target.type!, format: target.format! },
    );
    if (c.expected_error) {
      expect(path).toBeNull();
      return;
    }
    expect(path).not.toBeNull();
    const edges = path!.slice(1).map((to, i) => [path![i], to]);
    if (Array.isArray(c.expected)) expect(edges).toEqual(c.expected);
    else {
      const want = c.expected as { length: number; derived_path: string[] };
      expect(edges).toHaveLength(want.length);
      expect(path).toEqual(want.derived_path);
    }
    return;
  }

  if (c.kind === 'run') {
    const setup = (c.setup ?? {}) as { register_validator_without_converters?: { type: string; format: string } };
    const extra = setup.register_validator_without_converters;
    const registered = extra && formats.registerFormat({ type: extra.type, format: extra.format, validate: () => true });
    try {
      await expectGwError(runCase(c), c.expected_error!.match);
    } finally {
      registered?.dispose();
    }
    return;
  }

  switch (c.operation) {
    case 'is_valid':
      expect(c.from_format === null ? formats.hasType(c.type!) : formats.hasFormat(c.type!, c.from_format)).toBe(c.expected);
      return;
    case 'has_converter':
      expect(Private.hasConverter(formats, input.source!, input.target!)).toBe(c.expected);
      return;
    case 'print_conversion_graph': {
      const dot = Private.conversionGraph(formats);
      expect(dot).toMatch(/^digraph conversions \{\n/);
      expect(dot).toContain('"string:text" -> "string:string";');
      return;
    }
    case 'print_conversion_table': {
      const rows = Private.conversionTable(formats);
      for (const row of rows) expect(row).toMatch(/^[^:,]+:[^,]+,[^:,]+:[^,]+$/);
      expect(rows).toEqual(expect.arrayContaining(['string:text,string:json', 'string:json,string:text']));
      return;
    }
    default:
      throw new Error(`format.spec: no handler for case ${c.name} (${c.kind}/${String(c.operation)})`);
  }
});

namespace Private {
  /** Every registered (type, format) node. */
  function nodes(formats: FormatRegistry): Array<[string, string]> {
    return formats.types().flatMap((t) => formats.formats(t).map((f): [string, string] => [t, f]));
  }

  function matches(node: [string, string], sel: Node): boolean {
    return (sel.type === null || sel.type === node[0]) && (sel.format === null || sel.format === node[1]);
  }

  /**
   * Girder Worker's converter_path across types: converters never change type, so nodes of two
   * types have no path (NetworkXNoPath), once both nodes are known to exist.
   */
  export function converterPath(
    formats: FormatRegistry,
    source: { type: string; format: string },
    target: { type: string; format: string },
  ): string[] | null {
    for (const n of [source, target])
      expect(`${n.type}/${n.format}: ${formats.hasFormat(n.type, n.format)}`).toBe(`${n.type}/${n.format}: true`);
    if (source.type !== target.type) return null;
    return formats.converterPath(source.type, source.format, target.format);
  }

  /** Girder Worker's has_converter: some node matching `source` (null is a wildcard) reaches, in one hop or more, some node matching `target`. */
  export function hasConverter(formats: FormatRegistry, source: Node, target: Node): boolean {
    return nodes(formats)
      .filter((n) => matches(n, source))
      .some(([t, f]) => formats.reachable(t, f).some((g) => matches([t, g], target)));
  }

  /** The conversion graph as DOT, one edge per converter. */
  export function conversionGraph(formats: FormatRegistry): string {
    const lines = ['digraph conversions {'];
    for (const [t, f] of nodes(formats)) {
      for (const g of formats.formats(t)) {
        const p = g === f ? null : formats.converterPath(t, f, g);
        if (p && p.length === 2) lines.push(`  "${t}:${f}" -> "${t}:${g}";`);
      }
    }
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }

  /** Girder Worker's conversion table: `type:format,type:format` for every reachable pair. */
  export function conversionTable(formats: FormatRegistry): string[] {
    return nodes(formats).flatMap(([t, f]) => formats.reachable(t, f).map((g) => `${t}:${f},${t}:${g}`));
  }
}
