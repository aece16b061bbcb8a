// Markdown rendered and sanitized by the registry (README, changelog), inserted as HTML.
// Its headings are moved down a level or more, so a README's "# Title" does not become a
// second h1 of the page and the page's heading outline stays in order.
export function demoteHeadings(html: string, by: number): string {
  return html.replace(/<(\/?)h([1-6])(?=[\s>])/gi, (_, slash: string, level: string) => `<${slash}h${Math.min(6, Number(level) + by)}`);
}

/** The HTML without its first element when that is a heading reading `title` (any level,
 * any case): the page already shows that heading. Anchored at the start, so linear. */
export function withoutLeadingHeading(html: string, title: string): string {
  const match = /^\s*<h([1-6])(?:\s[^>]*)?>([^<]*)<\/h\1>/i.exec(html);
  if (!match || match[2].trim().toLowerCase() !== title.toLowerCase()) return html;
  return html.slice(match[0].length);
}

export function Prose({ html, demote, class: className = '' }: { html: string; demote: number; class?: string }) {
  return <div class={`prose ${className}`.trim()} dangerouslySetInnerHTML={{ __html: demoteHeadings(html, demote) }} />;
}
