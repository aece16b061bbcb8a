// Markdown rendered and sanitized by the registry (README, changelog), inserted as HTML.
// Its headings are moved down a level or more, so a README's "# Title" does not become a
// second h1 of the page and the page's heading outline stays in order.
export function demoteHeadings(html: string, by: number): string {
  return html.replace(/<(\/?)h([1-6])(?=[\s>])/gi, (_, slash: string, level: string) => `<${slash}h${Math.min(6, Number(level) + by)}`);
}

export function Prose({ html, demote, class: className = '' }: { html: string; demote: number; class?: string }) {
  return <div class={`prose ${className}`.trim()} dangerouslySetInnerHTML={{ __html: demoteHeadings(html, demote) }} />;
}
