import type { IBinding } from '../spec';

const BINDING_KEYS = new Set([
  'mode',
  'type',
  'format',
  'data',
  'url',
  'method',
  'headers',
  'params',
  'maxSize',
  'idleTimeout',
  'path',
  'name',
  'id',
  'target',
  'filename',
  'cache',
  // mongodb
  'db',
  'collection',
  'host',
  // girder
  'api_url',
  'scheme',
  'port',
  'api_root',
  'token',
  'api_key',
  'resource_type',
  'parent_type',
  'parent_id',
  'as_metadata',
  'reference',
]);

/** Marks an object as a binding for sure, whatever keys it has (see `binding()`). */
const BRAND = Symbol.for('taskcell.binding');

/** Make an explicit binding, so a plain value that happens to have a `data` key is not mistaken for one. */
export function binding<B extends IBinding>(b: B): B {
  Object.defineProperty(b, BRAND, { value: true });
  return b;
}

/** Inline data in a given format: `inline(csvText, "csv")`. */
export function inline(data: unknown, format?: string): IBinding {
  return binding(format === undefined ? { mode: 'inline', data } : { mode: 'inline', format, data });
}

/**
 * True when a value is a binding rather than bare data: an object made by `binding()`, or a plain
 * object whose keys are all binding keys and that names a `mode`, carries `data`, or has a `url`
 * or `path`. Anything else passed as an input is bare data in the port's format.
 */
export function isBinding(v: unknown): v is IBinding {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  if ((v as Record<symbol, unknown>)[BRAND]) return true;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  let signal = false;
  for (const k of Object.keys(v)) {
    if (!BINDING_KEYS.has(k)) return false;
    if (k === 'mode' || k === 'data' || k === 'url' || k === 'path') signal = true;
  }
  return signal;
}

/** Girder Worker's mode inference: an explicit mode, else `url` means http, else inline. */
export function bindingMode(b: IBinding): string {
  if (typeof b.mode === 'string') return b.mode;
  if (typeof b.url === 'string') return 'http';
  if (typeof b.path === 'string' && !('data' in b)) return 'local';
  return 'inline';
}

/** The file name an http download gets: Content-Disposition's filename, else the last non-empty URL path segment. */
export function filenameFromResponse(url: string, disposition: string | null): string {
  if (disposition) {
    const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
    if (star) return decodeURIComponent(star[1].trim());
    const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(disposition);
    if (plain) return (plain[1] ?? plain[2]).trim();
  }
  const segs = new URL(url).pathname.split('/').filter(Boolean);
  return segs.length ? decodeURIComponent(segs[segs.length - 1]) : 'download';
}
