import type { IDisposable } from '../events';
import type { FormatRegistry, Validator } from './registry';
import { pythonJson } from './python-json';
import { describeKind } from './describe';

/**
 * The scalar and list types of Girder Worker (boolean, integer, number, string and their lists),
 * each with its native in-memory format and a `json` text format, plus `python`/`object`, which
 * accepts anything. Validators follow Girder Worker's Python `isinstance` checks: a boolean counts
 * as an integer and as a number, an empty list is a valid list of anything.
 */
export function registerScalarFormats(registry: FormatRegistry): IDisposable[] {
  const d: IDisposable[] = [];
  const isString: Validator = (v) => typeof v === 'string' || `expected a string, got ${describeKind(v)}`;
  const isNumber = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  const isInteger = (v: unknown) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'boolean';
  const scalars: Array<[string, Validator]> = [
    ['boolean', (v) => typeof v === 'boolean' || `expected a boolean, got ${describeKind(v)}`],
    ['integer', (v) => isInteger(v) || `expected an integer, got ${describeKind(v)}`],
    ['number', (v) => isNumber(v) || `expected a number, got ${describeKind(v)}`],
  ];
  const lists: Array<[string, (v: unknown) => boolean, string]> = [
    ['integer_list', isInteger, 'an integer'],
    ['number_list', isNumber, 'a number'],
    ['string_list', (v) => typeof v === 'string', 'a string'],
  ];
  const jsonParse = (v: unknown) => JSON.parse(v as string);
  const jsonWrite = (v: unknown) => pythonJson(v);

  for (const [type, validate] of scalars) {
    d.push(registry.registerType({ name: type, nativeFormat: type }));
    d.push(registry.registerFormat({ type, format: type, validate }));
    d.push(registry.registerFormat({ type, format: 'json', validate: isString, text: true, extensions: [`${type}-json`] }));
    d.push(registry.registerConverter({ type, from: type, to: 'json', convert: jsonWrite }));
    d.push(registry.registerConverter({ type, from: 'json', to: type, convert: jsonParse }));
  }
  for (const [type, element, what] of lists) {
    const validate: Validator = (v) => {
      if (!Array.isArray(v)) return `expected a list, got ${describeKind(v)}`;
      const bad = v.findIndex((e) => !element(e));
      return bad < 0 || `element ${bad} is ${describeKind(v[bad])}, expected ${what}`;
    };
    d.push(registry.registerType({ name: type, nativeFormat: type }));
    d.push(registry.registerFormat({ type, format: type, validate }));
    d.push(registry.registerFormat({ type, format: 'json', validate: isString, text: true }));
    d.push(registry.registerConverter({ type, from: type, to: 'json', convert: jsonWrite }));
    d.push(registry.registerConverter({ type, from: 'json', to: type, convert: jsonParse }));
  }

  d.push(registry.registerType({ name: 'string', nativeFormat: 'text' }));
  d.push(registry.registerFormat({ type: 'string', format: 'json', validate: isString, text: true, extensions: ['json'] }));
  d.push(registry.registerFormat({ type: 'string', format: 'string', validate: isString, text: true }));
  d.push(registry.registerFormat({ type: 'string', format: 'text', validate: isString, text: true, extensions: ['txt'] }));
  d.push(registry.registerConverter({ type: 'string', from: 'json', to: 'string', convert: jsonParse }));
  d.push(registry.registerConverter({ type: 'string', from: 'string', to: 'json', convert: jsonWrite }));
  d.push(registry.registerConverter({ type: 'string', from: 'string', to: 'text', convert: (v) => v }));
  d.push(registry.registerConverter({ type: 'string', from: 'text', to: 'string', convert: (v) => v }));

  d.push(registry.registerType({ name: 'python', nativeFormat: 'object' }));
  d.push(registry.registerFormat({ type: 'python', format: 'object', validate: () => true }));
  return d;
}
