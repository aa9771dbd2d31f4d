import { SaxesParser } from 'saxes';
import { SpecError } from '../errors';

/** An XML element with where it starts in the text (line and column from 1). */
export interface IXmlElement {
  name: string;
  attributes: Record<string, string>;
  children: IXmlElement[];
  /** The element's text, CDATA included, trimmed. */
  text: string;
  line: number;
  column: number;
  /** Where it came from when it was built from JSON (`parameter_groups[0].parameters[2]`), instead of a position. */
  path?: string;
}

/**
 * Read XML text into a tree of elements that know their line and column. saxes checks
 * well-formedness strictly (XML 1.0) and reports the position of every event, so a syntax error
 * and a bad value found later both name where they are.
 */
export function readXmlTree(xml: string, file = 'XML'): IXmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: IXmlElement[] = [];
  const texts: string[][] = [];
  let root: IXmlElement | undefined;
  let failure: { message: string; line: number; column: number } | undefined;
  let start = { line: 1, column: 1 };
  parser.on('opentagstart', (tag) => {
    // saxes has consumed `<name` and the character after it; the element starts at its `<`.
    start = { line: parser.line, column: parser.column - tag.name.length - 1 };
  });
  parser.on('opentag', (tag) => {
    const el: IXmlElement = { name: tag.name, attributes: {}, children: [], text: '', ...start };
    for (const [k, v] of Object.entries(tag.attributes)) el.attributes[k] = typeof v === 'string' ? v : v.value;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
    texts.push([]);
  });
  parser.on('text', (t) => texts[texts.length - 1]?.push(t));
  parser.on('cdata', (t) => texts[texts.length - 1]?.push(t));
  parser.on('closetag', () => {
    const el = stack.pop();
    const parts = texts.pop();
    if (el && parts) el.text = parts.join('').trim();
  });
  parser.on('error', (err) => {
    // saxes prefixes "line:column: "; keep the reason alone.
    failure ??= { message: err.message.replace(/^\d+:\d+: /, ''), line: parser.line, column: Math.max(1, parser.column) };
  });
  parser.write(xml).close();
  if (failure) {
    throw new SpecError(`${file} is not well-formed XML at line ${failure.line}, column ${failure.column}: ${failure.message}`, {
      line: failure.line,
      column: failure.column,
    });
  }
  if (!root) throw new SpecError(`${file} has no root element; expected <executable>`, { line: 1, column: 1 });
  return root;
}

/** Escape text for an XML element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => Private.ENTITIES[c] ?? c);
}

namespace Private {
  export const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };
}
