import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';

/** A search form that goes to /search?q=...; works as a plain GET form without scripts too. */
export function SearchBox({ id, large = false }: { id: string; large?: boolean }) {
  const location = useLocation();
  const current = location.path === '/search' ? (location.query.q ?? '') : '';
  const [value, setValue] = useState(current);
  useEffect(() => setValue(current), [current]);
  return (
    <form
      role="search"
      class={large ? 'search-box search-box-large' : 'search-box'}
      action="/search"
      method="get"
      onSubmit={(event) => {
        event.preventDefault();
        const q = value.trim();
        location.route(q ? `/search?q=${encodeURIComponent(q)}` : '/search');
      }}
    >
      <label for={id} class="visually-hidden">
        Search packages
      </label>
      <input
        id={id}
        name="q"
        type="search"
        placeholder="Search mods, libraries, themes…"
        maxLength={200}
        value={value}
        onInput={(event) => setValue(event.currentTarget.value)}
      />
      <button type="submit" class="button button-primary">
        Search
      </button>
    </form>
  );
}
