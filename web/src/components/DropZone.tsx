// Choosing a file: a real file input (keyboard: Tab to it, Enter or Space opens the picker)
// inside a zone that also takes a file dropped onto it.
import { useState } from 'preact/hooks';
import { formatBytes } from '../format';

export function DropZone({
  id,
  label,
  accept,
  file,
  onFile,
  hint,
}: {
  id: string;
  label: string;
  accept: string;
  file: File | null;
  onFile: (file: File | null) => void;
  hint?: string;
}) {
  const [over, setOver] = useState(false);
  const hintId = `${id}-hint`;
  return (
    <div
      class={`drop-zone${over ? ' drop-zone-over' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        const dropped = event.dataTransfer?.files?.[0];
        if (dropped) onFile(dropped);
      }}
    >
      <label for={id} class="drop-zone-label">
        {label}
      </label>
      <p id={hintId} class="hint">
        {hint ?? 'Drop the file here, or choose it.'}
      </p>
      <input id={id} type="file" accept={accept} aria-describedby={hintId} onChange={(event) => onFile(event.currentTarget.files?.[0] ?? null)} />
      {file && (
        <p class="drop-zone-file" aria-live="polite">
          Selected: <strong>{file.name}</strong> ({formatBytes(file.size)})
        </p>
      )}
    </div>
  );
}
