// The visitor's operating system, in the registry's platform names (domain Platform enum).
export type PlatformName = 'windows' | 'linux' | 'macos' | 'android' | 'ios';

export function visitorPlatform(): PlatformName | null {
  const nav = navigator as Navigator & { userAgentData?: { platform?: string } };
  const hint = `${nav.userAgentData?.platform ?? ''} ${navigator.userAgent}`.toLowerCase();
  if (/android/.test(hint)) return 'android';
  if (/iphone|ipad|ipod|ios/.test(hint)) return 'ios';
  if (/windows|win32|win64/.test(hint)) return 'windows';
  if (/mac ?os|macintosh|darwin/.test(hint)) return 'macos';
  if (/linux|x11|cros/.test(hint)) return 'linux';
  return null;
}

/** Builds for the visitor's platform first, then builds for every platform, then the rest. */
export function visitorFirst<T extends { platform: string }>(builds: readonly T[], platform = visitorPlatform()): T[] {
  const rank = (b: T) => (b.platform === platform ? 0 : b.platform === 'all' ? 1 : 2);
  return [...builds].sort((a, b) => rank(a) - rank(b));
}

export const PLATFORM_LABELS: Record<string, string> = {
  all: 'All platforms',
  windows: 'Windows',
  linux: 'Linux',
  macos: 'macOS',
  android: 'Android',
  ios: 'iOS',
};
