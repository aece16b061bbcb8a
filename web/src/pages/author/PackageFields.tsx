// The editable fields a package shares between creating and editing it: text fields, keywords
// and the operator's categories (checkboxes, so every choice is visible and keyboard-usable).

export const VISIBILITIES = ['PUBLIC', 'UNLISTED', 'PRIVATE'] as const;
export type VisibilityValue = (typeof VISIBILITIES)[number];

export const VISIBILITY_HELP: Record<VisibilityValue, string> = {
  PUBLIC: 'listed and searchable (needs a verified publisher)',
  UNLISTED: 'anyone with the name can install it; not listed',
  PRIVATE: 'only your publisher sees it',
};

export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
  required?: boolean;
  maxLength?: number;
  multiline?: boolean;
  type?: 'text' | 'url' | 'email';
  pattern?: string;
}

export function TextField({ id, label, value, onInput, hint, required, maxLength, multiline, type = 'text', pattern }: TextFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      {multiline ? (
        <textarea id={id} value={value} rows={6} maxLength={maxLength} required={required} aria-describedby={hintId} onInput={(e) => onInput(e.currentTarget.value)} />
      ) : (
        <input
          id={id}
          // Preact's types narrow input attributes per type; these three take the same ones.
          type={type as 'text'}
          value={value}
          maxLength={maxLength}
          required={required}
          pattern={pattern}
          aria-describedby={hintId}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      )}
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export function VisibilityField({ value, onChange, name }: { value: VisibilityValue; onChange: (v: VisibilityValue) => void; name: string }) {
  return (
    <fieldset class="field">
      <legend>Visibility</legend>
      {VISIBILITIES.map((v) => (
        <label key={v} class="choice">
          <input type="radio" name={name} value={v} checked={value === v} onChange={() => onChange(v)} />
          <span>
            <strong>{v.charAt(0) + v.slice(1).toLowerCase()}</strong> <span class="muted">({VISIBILITY_HELP[v]})</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function CategoriesField({
  categories,
  selected,
  onChange,
}: {
  categories: readonly { slug: string; title: string }[];
  selected: string[];
  onChange: (next: string[]) => void;
}) {
  return (
    <fieldset class="field">
      <legend>Categories</legend>
      <div class="choice-grid">
        {categories.map((c) => (
          <label key={c.slug} class="choice">
            <input
              type="checkbox"
              value={c.slug}
              checked={selected.includes(c.slug)}
              onChange={(e) => onChange(e.currentTarget.checked ? [...selected, c.slug] : selected.filter((s) => s !== c.slug))}
            />
            <span>{c.title}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** "a, b c" -> ["a", "b", "c"]: keywords are typed separated by commas or spaces. */
export function splitKeywords(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((k) => k.trim())
    .filter(Boolean);
}
