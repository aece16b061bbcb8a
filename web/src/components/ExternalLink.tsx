// A link to an address an author typed (homepage, repository): only http(s) becomes a link;
// anything else (javascript:, data:, relative paths) is shown as plain text.
export function ExternalLink({ url }: { url: string }) {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return <span>{url}</span>;
  return (
    <a href={parsed.href} rel="noopener noreferrer nofollow">
      {url.replace(/^https?:\/\//, '')}
    </a>
  );
}
