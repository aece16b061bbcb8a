import { useLayoutEffect } from 'preact/hooks';

// A layout effect, not a plain one: it runs in the same commit as the content, so the title
// never names what the page showed a moment ago (a plain effect runs after the next paint).
export function usePageTitle(title: string) {
  useLayoutEffect(() => {
    document.title = title ? `${title} · TB Registry` : 'TB Registry';
  }, [title]);
}
