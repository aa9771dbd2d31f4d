import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** HTML with a text fallback (the HTML with its tags removed). */
export function htmlBundle(html: string): IMimeBundle {
  const text = html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
  return { [MIME.html]: html, [MIME.plain]: text };
}

/** Markdown with the source as text fallback. */
export function markdownBundle(markdown: string): IMimeBundle {
  return { [MIME.markdown]: markdown, [MIME.plain]: markdown };
}

/** Preformatted text, safe in HTML. */
export function textBundle(text: string): IMimeBundle {
  return { [MIME.plain]: text, [MIME.html]: `<pre>${escapeHtml(text)}</pre>` };
}
