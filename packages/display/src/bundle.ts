import { DISPLAY_SYMBOL, isDisplayable, MIME } from './mime';
import type { IMimeBundle } from './mime';
import { formatPlain } from './plain';
import { isRows, tableBundle } from './table';

/** Options of `toBundle`. */
export interface IBundleOptions {
  /** Text form of a value; defaults to `formatPlain`. The kernel passes Node's `util.inspect`. */
  inspect?: (value: unknown) => string;
}

/**
 * The MIME bundle of any value, always with `text/plain`: an object's own
 * `Symbol.for("Jupyter.display")` bundle, a table for Girder Worker rows, else the value's text.
 */
export function toBundle(value: unknown, options: IBundleOptions = {}): IMimeBundle {
  const inspect = options.inspect ?? ((v: unknown) => formatPlain(v));
  if (isDisplayable(value)) return withPlain(value[DISPLAY_SYMBOL](), () => inspect(value));
  if (isRows(value)) return tableBundle(value);
  return { [MIME.plain]: inspect(value) };
}

/** `bundle` with a `text/plain` entry added (from `plain()`) when it has none. */
export function withPlain(bundle: IMimeBundle, plain: () => string): IMimeBundle {
  if (bundle === null || typeof bundle !== 'object') return { [MIME.plain]: plain() };
  return MIME.plain in bundle ? bundle : { ...bundle, [MIME.plain]: plain() };
}
