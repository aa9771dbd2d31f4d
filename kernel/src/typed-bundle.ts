/**
 * Values rendered by a declared type and format: the data is converted in the kernel, with core's
 * formats registry, to the format its type's renderer reads (a table to rows, a tree to nested, a
 * graph to its networkx pivot with a static SVG, an image to PNG or JPEG bytes), then made into a MIME bundle by
 * @taskcell/display. What cannot be converted shows as text with the reason, never as nothing.
 */
import { inspect } from 'node:util';
import { MIME, escapeHtml, graphBundle, imageBundle, tableBundle, textBundle, treeBundle } from '@taskcell/display';
import type { IMimeBundle } from '@taskcell/display';
import type { FormatRegistry, IGraph, INestedTree, IRows } from '@taskcell/core';
import { graphSvg } from './graph-svg';

/** The text form the kernel gives values (Node's inspect, as the REPL shows them). */
export function inspectValue(value: unknown): string {
  return inspect(value, { depth: 4, colors: false, maxArrayLength: 100, breakLength: 100 });
}

/** A port's declared type and format. */
export interface ITypedPort {
  type: string;
  format: string;
}

/**
 * Parse `"tree:newick"` or `"table"` (a type in its native format) into a type and format; throws
 * an OptionError naming what is known when the type or format is not registered.
 */
export function parseTypeSpec(spec: string, formats: FormatRegistry = Private.formats()): ITypedPort {
  const [type, format] = spec.split(':');
  if (!formats.hasType(type)) {
    const { OptionError } = Private.core();
    throw new OptionError(
      `Expected a type such as "table" or "tree:newick" to display by, got "${spec}"; types: ${formats.types().join(', ')}`,
      {
        type,
      },
    );
  }
  const f = format ?? formats.nativeFormat(type);
  if (!formats.hasFormat(type, f)) {
    const { OptionError } = Private.core();
    throw new OptionError(`Expected a format of type "${type}" to display by, got "${f}"; formats: ${formats.formats(type).join(', ')}`, {
      type,
      format: f,
    });
  }
  return { type, format: f };
}

/** The MIME bundle of `data` held in `port`'s type and format. */
export function typedBundle(data: unknown, port: ITypedPort, formats: FormatRegistry = Private.formats()): IMimeBundle {
  try {
    return Private.render(data, port, formats);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return textBundle(`${inspectValue(data)}\n(not rendered as ${port.type}:${port.format}: ${reason})`);
  }
}

namespace Private {
  export function core(): typeof import('@taskcell/core') {
    return require('@taskcell/core') as typeof import('@taskcell/core');
  }

  export function formats(): FormatRegistry {
    return core().getRunner().formats;
  }

  const SCALARS = new Set(['boolean', 'integer', 'number', 'string']);

  export function render(data: unknown, { type, format }: ITypedPort, formats: FormatRegistry): IMimeBundle {
    const to = (target: string): unknown => {
      const value = formats.convert(type, format, target, data);
      if (value !== null && typeof (value as { then?: unknown })?.then === 'function')
        throw new Error(`converting ${type} from ${format} to ${target} is asynchronous`);
      return value;
    };
    switch (type) {
      case 'table':
        return tableBundle(to('rows') as IRows);
      case 'tree':
        return treeBundle(to('nested') as INestedTree);
      case 'graph': {
        const graph = to('networkx') as IGraph;
        return graphBundle(graph, { svg: graphSvg(graph) });
      }
      case 'image':
        if (format === 'jpeg' || format === 'png')
          return imageBundle(data as Uint8Array, { mime: format === 'jpeg' ? MIME.jpeg : MIME.png });
        if (format === 'png.base64') return imageBundle(data as string, { mime: MIME.png });
        return imageBundle(to('png') as Uint8Array, { mime: MIME.png });
    }
    const value = formats.hasType(type) ? to(formats.nativeFormat(type)) : data;
    if (SCALARS.has(type)) {
      const text = typeof value === 'string' ? value : inspectValue(value);
      return { [MIME.plain]: text, [MIME.html]: `<code>${escapeHtml(text)}</code>` };
    }
    if (type.endsWith('_list') && Array.isArray(value)) {
      return {
        [MIME.plain]: inspectValue(value),
        [MIME.html]: `<ol class="tc-list">${value.map((v) => `<li>${escapeHtml(String(v))}</li>`).join('')}</ol>`,
      };
    }
    return textBundle(inspectValue(value));
  }
}
