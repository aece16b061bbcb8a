import { useState } from 'preact/hooks';

/** A shell command with a copy button (the text stays selectable where the clipboard is off). */
export function CopyCommand({ command, label }: { command: string; label: string }) {
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  return (
    <div class="copy-command">
      <code aria-label={label}>{command}</code>
      <button
        type="button"
        class="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(command);
            setCopied('done');
          } catch {
            setCopied('failed');
          }
        }}
      >
        Copy
      </button>
      <span role="status" class="copy-status">
        {copied === 'done' ? 'Copied' : copied === 'failed' ? 'Select the text to copy it' : ''}
      </span>
    </div>
  );
}
