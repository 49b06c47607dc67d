const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A UTF-16 code unit that is half of a surrogate pair without its other half: not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function hex(char: string): string {
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Text that encodes as valid UTF-8: a lone surrogate (invalid input decoded loosely) becomes U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * One line of plain text with nothing a terminal or a mail reader acts on:
 * line breaks become a visible `\n`, other control characters `\xNN`.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return wellFormed(text).replace(/\r\n|\n|\r/g, '\\n').replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => (char === '\t' ? ' ' : hex(char)));
}

/** Several lines of plain text (an excerpt): line breaks kept, other control characters spelled out. */
export function plainLines(text: string): string {
  // eslint-disable-next-line no-control-regex
  return wellFormed(text).replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, hex);
}

/** For HTML text and attribute values alike; line breaks and tabs kept (they matter inside <pre>). */
export function escapeHtml(text: string): string {
  return plainLines(text).replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/** XML 1.0 also forbids most control characters outright, and U+FFFE/U+FFFF. */
export function escapeXml(text: string): string {
  return escapeHtml(text).replace(/[\ufffe\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

/** XML attribute values: line breaks and tabs as character references, so a parser keeps them (it would turn them into spaces). */
export function escapeXmlAttribute(text: string): string {
  return escapeXml(text).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** Inline code in markdown: one line, fenced with more backticks than it holds. */
export function markdownCode(text: string): string {
  const line = oneLine(text);
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${line}${fence}` : `${fence} ${line} ${fence}`;
}

/**
 * A markdown table cell: one line, pipes escaped, and only what a renderer would
 * take for HTML (a `<` opening a tag or an autolink, an `&` opening an entity)
 * escaped, so `p < 0.001` still reads as it does in a mail.
 */
export function escapeMarkdownCell(text: string): string {
  return oneLine(text)
    .replace(/&(?=#?[0-9a-z]+;)/gi, '&amp;')
    .replace(/<(?=[a-z/!?])/gi, '&lt;')
    .replace(/\|/g, '\\|');
}

/** A TAP test point description: one line, and no `#` that would start a directive (# SKIP, # TODO). */
export function escapeTapDescription(text: string): string {
  return oneLine(text).replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}
