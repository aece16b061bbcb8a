// An admin queue item's decision (reports, quarantine, verifications): the item's own fields
// (a reason or a note, kept by the item since its mutations read them), the action's errors,
// and a row of buttons. The buttons share one action, so one decision runs at a time; each
// asks first when it says to, and reports what it did to the page (its status line).
import type { ComponentChildren } from 'preact';
import { ActionErrors, useAction, type Action } from './Action';

export interface Decision {
  /** The button's text; it names the item, so a screen reader's list of buttons tells them apart. */
  label: string;
  tone?: 'primary' | 'danger';
  /** Asked with window.confirm before anything runs. */
  confirm?: string;
  /** Runs the mutation through `action`; resolves with what it did, or null if it failed. */
  decide: (action: Action) => Promise<string | null>;
}

export function DecisionForm({
  label,
  decisions,
  onDone,
  children,
}: {
  label: string;
  decisions: Decision[];
  onDone: (message: string) => void;
  children: ComponentChildren;
}) {
  const action = useAction();
  return (
    <form class="form form-wide" aria-label={label} onSubmit={(event) => event.preventDefault()}>
      {children}
      <ActionErrors errors={action.errors} />
      <div class="row-actions">
        {decisions.map((decision) => (
          <button
            key={decision.label}
            type="button"
            class={decision.tone ? `button button-${decision.tone}` : 'button'}
            disabled={action.busy}
            onClick={async () => {
              if (decision.confirm && !window.confirm(decision.confirm)) return;
              const message = await decision.decide(action);
              if (message) onDone(message);
            }}
          >
            {decision.label}
          </button>
        ))}
      </div>
    </form>
  );
}
