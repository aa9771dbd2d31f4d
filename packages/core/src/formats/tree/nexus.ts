/**
 * Nexus text <-> nested trees. Girder Worker went through R (`ape::read.nexus`,
 * `ape::write.nexus`); this reads and writes the TREES block natively.
 *
 * Reading: the text starts with `#NEXUS`; blocks other than TREES are skipped; in the TREES block
 * the TRANSLATE table maps tip tokens to names (as ape does, tips only) and the first TREE (or
 * UTREE) statement is read as Newick (see `newick.ts`), rooting comments such as `[&R]` included.
 * Writing follows `write.nexus`: a TAXA block with the tip names in tree order, a TREES block with
 * a TRANSLATE table numbering the tips 1..n, and `TREE * UNTITLED = [&R] ...;` (`[&U]` when the root
 * has more than two children, ape's test for an unrooted tree). Line 2 is a comment, as in ape's
 * output, but without a timestamp, so the same tree always gives the same text.
 */
import type { INestedTree } from '../../types';
import { NODE_NAME, validateNestedTree } from './nested';
import { newickLabel, readNewickAt, writeNewickWith } from './newick';
import { shapeError, syntaxError } from './text-errors';

/** Parse the first tree of a Nexus file's TREES block into a nested tree. */
export function parseNexus(text: string): INestedTree {
  if (typeof text !== 'string') throw shapeError('tree', 'nexus', `expected Nexus text (a string), got ${typeof text}`);
  const lexer = new Private.Lexer(text);
  const head = lexer.next();
  if (!head || head.upper !== '#NEXUS') throw lexer.fail(head, "'#NEXUS'");
  for (let t = lexer.next(); t; t = lexer.next()) {
    if (t.upper !== 'BEGIN') {
      lexer.skipCommand(t);
      continue;
    }
    const name = lexer.next();
    if (!name || (!name.quoted && ';=,'.includes(name.value))) throw lexer.fail(name, 'a block name after BEGIN');
    lexer.expect(';');
    if (name.upper === 'TREES') {
      const tree = Private.treesBlock(lexer);
      if (tree) return tree;
    } else lexer.skipBlock(name.value);
  }
  throw syntaxError('tree', 'nexus', text, text.length, 'a TREE statement in a TREES block');
}

/** Write a nested tree as a Nexus file with TAXA and TREES blocks (see the module comment). */
export function writeNexus(tree: INestedTree): string {
  const check = validateNestedTree(tree);
  if (check !== true) throw shapeError('tree', 'nested', check);
  const tips: string[] = [];
  const numbers = new Map<INestedTree, number>();
  const nodes: INestedTree[] = [tree];
  while (nodes.length) {
    const node = nodes.pop()!;
    const children = node.children ?? [];
    if (children.length === 0) {
      tips.push(Private.name(node));
      numbers.set(node, tips.length);
    }
    for (let i = children.length - 1; i >= 0; i--) nodes.push(children[i]);
  }
  const body = writeNewickWith(tree, (node) => {
    const k = numbers.get(node);
    return k !== undefined ? String(k) : newickLabel(Private.name(node));
  });
  const rooted = (tree.children?.length ?? 0) > 2 ? '[&U]' : '[&R]';
  const lines = [
    '#NEXUS',
    '[written by taskcell]',
    '',
    'BEGIN TAXA;',
    `\tDIMENSIONS NTAX = ${tips.length};`,
    '\tTAXLABELS',
    ...tips.map((t) => `\t\t${newickLabel(t) || "''"}`),
    '\t;',
    'END;',
    'BEGIN TREES;',
    '\tTRANSLATE',
    ...tips.map((t, k) => `\t\t${k + 1}\t${newickLabel(t) || "''"}${k + 1 < tips.length ? ',' : ''}`),
    '\t;',
    `\tTREE * UNTITLED = ${rooted} ${body};`,
    'END;',
    '',
  ];
  return lines.join('\n');
}

namespace Private {
  /** One Nexus token: a word (quoted or not) or one of `; = ,`. */
  export interface IToken {
    value: string;
    upper: string;
    quoted: boolean;
    start: number;
    end: number;
  }

  export function name(node: INestedTree): string {
    const v = node.node_data?.[NODE_NAME];
    return v === undefined || v === null ? '' : String(v);
  }

  /** Read a TREES block after its `BEGIN TREES;`; returns its first tree, or null when it has none. */
  export function treesBlock(lexer: Lexer): INestedTree | null {
    const translate = new Map<string, string>();
    let tree: INestedTree | null = null;
    for (;;) {
      const t = lexer.next();
      if (!t) throw lexer.fail(t, "'END;' closing the TREES block");
      if (t.upper === 'END' || t.upper === 'ENDBLOCK') {
        lexer.expect(';');
        break;
      }
      if (t.upper === 'TRANSLATE') {
        for (;;) {
          const key = lexer.next();
          if (key && !key.quoted && key.value === ';') break;
          const label = lexer.next();
          if (!key || !label || (!label.quoted && ';=,'.includes(label.value)))
            throw lexer.fail(label ?? key, 'a translation: a token and a name');
          translate.set(key.value, label.value);
          const sep = lexer.next();
          if (sep && !sep.quoted && sep.value === ';') break;
          if (!sep || sep.quoted || sep.value !== ',') throw lexer.fail(sep, "',' or ';' in the TRANSLATE table");
        }
      } else if (t.upper === 'TREE' || t.upper === 'UTREE') {
        let name = lexer.next();
        if (name && !name.quoted && name.value === '*') name = lexer.next();
        if (!name || (!name.quoted && ';=,'.includes(name.value))) throw lexer.fail(name, 'a tree name');
        lexer.expect('=');
        const read = readNewickAt(lexer.text, lexer.pos, 'nexus');
        if (lexer.text.charCodeAt(read.end - 1) !== 59) throw lexer.fail(null, "';' ending the TREE statement");
        lexer.pos = read.end;
        tree ??= read.tree;
      } else lexer.skipCommand(t);
    }
    if (tree && translate.size) {
      const nodes: INestedTree[] = [tree];
      while (nodes.length) {
        const node = nodes.pop()!;
        if (node.children?.length) nodes.push(...node.children);
        else {
          const named = translate.get(Private.name(node));
          if (named !== undefined) node.node_data!['node name'] = named;
        }
      }
    }
    return tree;
  }

  /** Nexus tokens with positions; `[...]` comments and blanks between them are skipped. */
  export class Lexer {
    pos = 0;

    constructor(readonly text: string) {}

    /** The next token, or null at the end of the text. */
    next(): IToken | null {
      const text = this.text;
      const n = text.length;
      let i = this.pos;
      for (;;) {
        while (i < n && /\s/.test(text[i])) i++;
        if (text[i] !== '[') break;
        const close = text.indexOf(']', i + 1);
        if (close < 0) throw syntaxError('tree', 'nexus', text, i, "a ']' closing this comment", "'['");
        i = close + 1;
      }
      if (i >= n) {
        this.pos = n;
        return null;
      }
      const start = i;
      const c = text[i];
      if (c === ';' || c === '=' || c === ',') {
        this.pos = i + 1;
        return { value: c, upper: c, quoted: false, start, end: i + 1 };
      }
      if (c === "'" || c === '"') {
        const pieces: string[] = [];
        let s = i + 1;
        for (;;) {
          const q = text.indexOf(c, s);
          if (q < 0) throw syntaxError('tree', 'nexus', text, start, 'a closing quote for this word');
          pieces.push(text.slice(s, q));
          if (text[q + 1] === c) {
            pieces.push(c);
            s = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        this.pos = i;
        const value = pieces.join('');
        return { value, upper: value.toUpperCase(), quoted: true, start, end: i };
      }
      while (i < n && !/[\s;=,[]/.test(text[i])) i++;
      this.pos = i;
      const value = text.slice(start, i);
      return { value, upper: value.toUpperCase(), quoted: false, start, end: i };
    }

    /** Read one punctuation token or fail. */
    expect(punct: string): void {
      const t = this.next();
      if (!t || t.quoted || t.value !== punct) throw this.fail(t, `'${punct}'`);
    }

    /** Skip the rest of a command whose first token was `first`, up to and including its `;`. */
    skipCommand(first: IToken): void {
      for (let t: IToken | null = first; t; t = this.next()) if (!t.quoted && t.value === ';') return;
      throw this.fail(null, `';' ending the ${first.value} command`);
    }

    /** Skip a block's commands up to and including `END;` or `ENDBLOCK;`. */
    skipBlock(name: string): void {
      for (let t = this.next(); t; t = this.next()) {
        if (t.upper === 'END' || t.upper === 'ENDBLOCK') {
          this.expect(';');
          return;
        }
      }
      throw this.fail(null, `'END;' closing the ${name} block`);
    }

    /** A syntax error at a token (or at the end of the text). */
    fail(t: IToken | null, expected: string): Error {
      const at = t ? t.start : this.text.length;
      return syntaxError('tree', 'nexus', this.text, at, expected, t ? `'${t.value}'` : undefined);
    }
  }
}
