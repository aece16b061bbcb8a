// A package's icon, or its initial on a coloured tile when it has none (decorative either way:
// the name is always next to it).
export function PackageIcon({ name, url, size = 48 }: { name: string; url: string | null | undefined; size?: number }) {
  if (url) {
    return <img class="package-icon" src={url} alt="" width={size} height={size} loading="lazy" decoding="async" />;
  }
  let hue = 0;
  for (const char of name) hue = (hue * 31 + char.charCodeAt(0)) % 360;
  return (
    <span class={`package-icon package-icon-fallback hue-${Math.floor(hue / 30)}`} aria-hidden="true" data-size={size}>
      {name.charAt(0).toUpperCase()}
    </span>
  );
}
