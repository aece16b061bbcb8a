// Navigation outside components (preact-iso's router follows history through popstate).
export function navigate(url: string, replace = false) {
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
