/**
 * XML text for the PhyloXML and GraphML formats, through fast-xml-parser: the text is checked for
 * well-formedness first (errors are ValidationErrors with line and column), then read into a small
 * element tree that keeps document order and each element's offset, so later errors about the
 * content (an edge naming an unknown node) can say where they are too. Namespace prefixes are
 * dropped (`<g:node>` reads as `node`).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../../errors';
import { lineColumn, shapeError } from './text-errors';
import type { ITextPosition } from './text-errors';

/** One XML element: its local name, attributes, child elements, own text, and offset in the text. */
export interface IXmlElement {
  name: string;
  attrs: Record<string, string>;
  children: IXmlElement[];
  /** The element's direct text (CDATA included), concatenated; not its descendants'. */
  text: string;
  offset: number;
}

/** Parse XML text into its root element; malformed text is a ValidationError with line and column. */
export function parseXmlText(text: string, type: string, format: string): IXmlElement {
  if (typeof text !== 'string') throw shapeError(type, format, `expected XML text (a string), got ${typeof text}`);
  const check = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (check !== true) {
    const line = check.err.line ?? 1;
    const column = check.err.col ?? 1;
    throw new ValidationError(
      `Invalid ${format} text (type "${type}"): expected well-formed XML at line ${line}, column ${column}: ${check.err.msg}`,
      {
        type,
        format,
        line,
        column,
      },
    );
  }
  let ordered: Private.OrderedNode[];
  try {
    ordered = Private.parser().parse(text) as Private.OrderedNode[];
  } catch (err) {
    // The validator passes a few texts the parser then refuses (an unclosed `<?xml` declaration).
    throw shapeError(type, format, `expected well-formed XML, got text the XML parser refuses: ${(err as Error).message}`);
  }
  const roots = Private.convert(ordered);
  if (roots.length === 0) throw shapeError(type, format, 'expected a root element, got none');
  return roots[0];
}

/** The line and column of an element's start tag. */
export function positionOf(text: string, element: IXmlElement): ITextPosition {
  return lineColumn(text, element.offset);
}

/** The first child element with a local name, if any. */
export function childNamed(element: IXmlElement, name: string): IXmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** Escape text for XML content, or for a double-quoted attribute value when `attribute` is set. */
export function escapeXml(s: string, attribute = false): string {
  let out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attribute) out = out.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
  return out;
}

namespace Private {
  /** An entry of fast-xml-parser's `preserveOrder` output: `{tag: children, ':@': attrs}` or `{'#text': s}`. */
  export type OrderedNode = Record<string, unknown>;

  let shared: XMLParser | undefined;

  export function parser(): XMLParser {
    return (shared ??= new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      removeNSPrefix: true,
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: false,
      allowBooleanAttributes: true,
      captureMetaData: true,
      // PhyloXML nests one element per tree level: the default limit (100) would refuse deep
      // trees, and path strings (jPath) would make parsing quadratic in the depth.
      maxNestedTags: Number.MAX_SAFE_INTEGER,
      jPath: false,
    }));
  }

  const META = XMLParser.getMetaDataSymbol() as unknown as string;

  /** fast-xml-parser's ordered output -> IXmlElement trees, without recursion. */
  export function convert(top: OrderedNode[]): IXmlElement[] {
    const roots: IXmlElement[] = [];
    const todo: Array<{ nodes: OrderedNode[]; into: IXmlElement | null }> = [{ nodes: top, into: null }];
    while (todo.length) {
      const { nodes, into } = todo.pop()!;
      for (const node of nodes) {
        const tag = Object.keys(node).find((k) => k !== ':@');
        if (tag === undefined || tag.startsWith('?') || tag === '!DOCTYPE') continue;
        if (tag === '#text') {
          if (into) into.text += String(node[tag]);
          continue;
        }
        const meta = (node as Record<string, { startIndex?: number } | undefined>)[META];
        const element: IXmlElement = {
          name: tag,
          attrs: (node[':@'] as Record<string, string> | undefined) ?? {},
          children: [],
          text: '',
          offset: meta?.startIndex ?? 0,
        };
        (into ? into.children : roots).push(element);
        const kids = node[tag];
        if (Array.isArray(kids) && kids.length) todo.push({ nodes: kids as OrderedNode[], into: element });
      }
    }
    return roots;
  }
}
