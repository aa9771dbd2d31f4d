/**
 * A short, browser-safe text form of any value, close to Node's `util.inspect` for the common
 * cases. The kernel passes its own inspector (util.inspect) where Node is available.
 */
export function formatPlain(value: unknown, depth = 2): string {
  return Private.format(value, depth, new Set());
}

namespace Private {
  const MAX_ITEMS = 100;

  export function format(value: unknown, depth: number, seen: Set<unknown>): string {
    switch (typeof value) {
      case 'string':
        return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
      case 'number':
      case 'boolean':
      case 'undefined':
        return String(value);
      case 'bigint':
        return `${value}n`;
      case 'symbol':
        return value.toString();
      case 'function':
        return `[Function: ${value.name || '(anonymous)'}]`;
    }
    if (value === null) return 'null';
    if (seen.has(value)) return '[Circular]';
    if (value instanceof Date) return value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (depth < 0) return Array.isArray(value) ? '[Array]' : '[Object]';
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const items = value.slice(0, MAX_ITEMS).map((v) => format(v, depth - 1, seen));
        if (value.length > MAX_ITEMS) items.push(`... ${value.length - MAX_ITEMS} more items`);
        return `[ ${items.join(', ')} ]`.replace('[  ]', '[]');
      }
      if (value instanceof Map) {
        const items = [...value].slice(0, MAX_ITEMS).map(([k, v]) => `${format(k, depth - 1, seen)} => ${format(v, depth - 1, seen)}`);
        return `Map(${value.size}) { ${items.join(', ')} }`;
      }
      if (value instanceof Set) {
        const items = [...value].slice(0, MAX_ITEMS).map((v) => format(v, depth - 1, seen));
        return `Set(${value.size}) { ${items.join(', ')} }`;
      }
      const entries = Object.entries(value as object).slice(0, MAX_ITEMS);
      const body = entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : format(k, 0, seen)}: ${format(v, depth - 1, seen)}`);
      const ctor = (value as object).constructor;
      const prefix = ctor && ctor !== Object && typeof ctor.name === 'string' && ctor.name ? `${ctor.name} ` : '';
      return body.length ? `${prefix}{ ${body.join(', ')} }` : `${prefix}{}`;
    } finally {
      seen.delete(value);
    }
  }
}
