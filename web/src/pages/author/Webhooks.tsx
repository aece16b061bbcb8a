// Webhooks on the publisher page (its owners): the hooks with their state, a form for a new one
// (its signing secret shown once, with a copy button), enable/disable, secret rotation,
// deletion, and each hook's delivery log (paged: Older/Newer) with a Redeliver button.
import { useState } from 'preact/hooks';
import { ActionErrors, useAction } from '../../components/Action';
import { CopyCommand } from '../../components/CopyCommand';
import { ErrorMessage, Loading, Notice } from '../../components/Status';
import { formatDate, titleCase } from '../../format';
import {
  CreateWebhookMutation,
  DELIVERY_PAGE,
  DeleteWebhookMutation,
  RedeliverWebhookDeliveryMutation,
  RotateWebhookSecretMutation,
  UpdateWebhookMutation,
  WebhookDeliveriesQuery,
  WebhookFields,
  WebhooksQuery,
} from '../../graphql/operations/webhooks';
import { readFragment, type ResultOf, type VariablesOf } from '../../graphql/tada';
import { useQuery } from '../../graphql/useQuery';
import { TextField } from './PackageFields';

type Hook = ResultOf<typeof WebhookFields>;
type Event = VariablesOf<typeof CreateWebhookMutation>['input']['events'][number];
type Format = NonNullable<VariablesOf<typeof CreateWebhookMutation>['input']['format']>;

const EVENTS: { value: Event; label: string }[] = [
  { value: 'VERSION_PUBLISHED', label: 'version.published' },
  { value: 'VERSION_QUARANTINED', label: 'version.quarantined' },
  { value: 'VERSION_YANKED', label: 'version.yanked' },
  { value: 'PACKAGE_DEPRECATED', label: 'package.deprecated' },
  { value: 'PACKAGE_TRANSFERRED', label: 'package.transferred' },
  { value: 'PUBLISHER_VERIFIED', label: 'publisher.verified' },
  { value: 'PUBLISHER_SUSPENDED', label: 'publisher.suspended' },
];
const eventLabel = (event: string) => EVENTS.find((e) => e.value === event)?.label ?? event;
const when = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** The secret of a hook just created or rotated: shown this once. */
interface ShownSecret {
  url: string;
  secret: string;
}

function SecretNotice({ shown, onDismiss }: { shown: ShownSecret; onDismiss: () => void }) {
  return (
    <Notice kind="warning">
      <p role="status">
        Signing secret for <strong>{shown.url}</strong>. Copy it now: it is shown only once. Your endpoint checks <code>X-TB-Signature</code> with it.
      </p>
      <CopyCommand command={shown.secret} label="Webhook signing secret" />
      <button type="button" class="button" onClick={onDismiss}>
        I have copied it
      </button>
    </Notice>
  );
}

function NewWebhookForm({ publisher, onCreated }: { publisher: string; onCreated: (shown: ShownSecret) => void }) {
  const action = useAction();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Event[]>(['VERSION_PUBLISHED']);
  const [format, setFormat] = useState<Format>('JSON');
  const [description, setDescription] = useState('');
  return (
    <form
      class="form form-wide"
      aria-labelledby="new-webhook-title"
      onSubmit={async (event) => {
        event.preventDefault();
        const input = { url: url.trim(), events, format, description: description.trim() };
        const data = await action.run(CreateWebhookMutation, { publisher, input }, (d) => d.createWebhook?.errors);
        const created = data?.createWebhook;
        if (created?.secret && created.webhook) {
          onCreated({ url: readFragment(WebhookFields, created.webhook).url, secret: created.secret });
          setUrl('');
          setDescription('');
        }
      }}
    >
      <h3 id="new-webhook-title">New webhook</h3>
      <TextField id="webhook-url" label="Endpoint URL" type="url" value={url} onInput={setUrl} required maxLength={2048} hint="HTTPS; the registry POSTs each event to it." />
      <fieldset class="field">
        <legend>Events</legend>
        <div class="choice-grid">
          {EVENTS.map((e) => (
            <label key={e.value} class="choice">
              <input
                type="checkbox"
                checked={events.includes(e.value)}
                onChange={(ev) => setEvents(ev.currentTarget.checked ? [...events, e.value] : events.filter((x) => x !== e.value))}
              />
              <span>{e.label}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset class="field">
        <legend>Format</legend>
        <label class="choice">
          <input type="radio" name="webhook-format" checked={format === 'JSON'} onChange={() => setFormat('JSON')} />
          <span>
            <strong>JSON</strong> <span class="muted">(the registry’s event)</span>
          </span>
        </label>
        <label class="choice">
          <input type="radio" name="webhook-format" checked={format === 'DISCORD'} onChange={() => setFormat('DISCORD')} />
          <span>
            <strong>Discord</strong> <span class="muted">(a message, for a Discord channel’s webhook URL)</span>
          </span>
        </label>
      </fieldset>
      <TextField id="webhook-description" label="Note (optional)" value={description} onInput={setDescription} maxLength={200} />
      <ActionErrors errors={action.errors} />
      <button type="submit" class="button button-primary" disabled={action.busy || events.length === 0}>
        {action.busy ? 'Creating…' : 'Create webhook'}
      </button>
    </form>
  );
}

function Deliveries({ hook }: { hook: Hook }) {
  // The `before` cursor of each older page opened, so Newer goes back one page at a time.
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors.length ? cursors[cursors.length - 1] : null;
  const result = useQuery(WebhookDeliveriesQuery, { id: hook.id, first: DELIVERY_PAGE, before });
  const action = useAction();
  const [queued, setQueued] = useState<number | null>(null);
  const deliveries = result.data?.webhook?.deliveries ?? [];
  // A full page may have older deliveries behind it; a shorter one is the log's end.
  const mayHaveOlder = result.status === 'done' && deliveries.length === DELIVERY_PAGE;
  return (
    <div class="webhook-deliveries">
      <h4>Deliveries to {hook.url}</h4>
      {result.status === 'loading' && <Loading label="Loading deliveries" />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.status === 'done' &&
        (deliveries.length ? (
          <div class="table-wrap">
            <table class="data-table" aria-label={`Deliveries to ${hook.url}`}>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Event</th>
                  <th scope="col">State</th>
                  <th scope="col">Status</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.id} data-delivery={d.id}>
                    <td data-label="When">{when(d.createdAt)}</td>
                    <td data-label="Event">{eventLabel(d.event)}</td>
                    <td data-label="State">
                      {titleCase(d.state)}
                      {d.lastError && <span class="details muted"> · {d.lastError}</span>}
                      {d.nextAttemptAt && <span class="details muted"> · next try {when(d.nextAttemptAt)}</span>}
                    </td>
                    <td data-label="Status">{d.lastStatusCode ?? '—'}</td>
                    <td data-label="Duration">{d.lastDurationMs == null ? '—' : `${d.lastDurationMs} ms`}</td>
                    <td data-label="Attempts">{d.attempts}</td>
                    <td data-label="Actions">
                      <button
                        type="button"
                        class="button"
                        disabled={action.busy}
                        onClick={async () => {
                          setQueued(null);
                          const data = await action.run(
                            RedeliverWebhookDeliveryMutation,
                            { webhookId: hook.id, deliveryId: d.id },
                            (r) => r.redeliverWebhookDelivery?.errors,
                          );
                          if (data?.redeliverWebhookDelivery?.delivery) {
                            setQueued(d.id);
                            // The redelivery is the newest delivery: show the first page.
                            setCursors([]);
                            result.reload();
                          }
                        }}
                      >
                        Redeliver
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="empty">{before === null ? 'Nothing delivered yet.' : 'No older deliveries.'}</p>
        ))}
      {(before !== null || mayHaveOlder) && (
        <nav class="pagination" aria-label={`Pages of deliveries to ${hook.url}`}>
          {before !== null && (
            <button type="button" class="button" onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </button>
          )}
          {mayHaveOlder && (
            <button
              type="button"
              class="button"
              onClick={() => setCursors((c) => [...c, deliveries[deliveries.length - 1].id])}
            >
              Older
            </button>
          )}
        </nav>
      )}
      {queued !== null && (
        <p class="success" role="status">
          Delivery {queued} queued again.
        </p>
      )}
      <ActionErrors errors={action.errors} />
    </div>
  );
}

function WebhookRow({ hook, onChange, onSecret }: { hook: Hook; onChange: () => void; onSecret: (shown: ShownSecret) => void }) {
  const action = useAction();
  const [open, setOpen] = useState(false);
  const setActive = async (active: boolean) => {
    if (await action.run(UpdateWebhookMutation, { id: hook.id, input: { active } }, (d) => d.updateWebhook?.errors)) onChange();
  };
  return (
    <li class="row" data-webhook={hook.id}>
      <span class="row-main">
        <strong class="row-title">{hook.url}</strong>
        <span class="tag">{hook.format === 'DISCORD' ? 'Discord' : 'JSON'}</span>
        {hook.active ? <span class="tag tag-ok">Active</span> : <span class="tag tag-danger">Disabled</span>}
        <span class="row-sub muted">
          {hook.events.map(eventLabel).join(', ')}
          {hook.description && ` · ${hook.description}`} · created {formatDate(hook.createdAt)}
          {` · ${hook.consecutiveFailures} failed attempts in a row`}
        </span>
        {!hook.active && hook.disabledReason && (
          <span class="row-sub">
            {hook.disabledReason}
            {hook.disabledAt && ` (${formatDate(hook.disabledAt)})`}
          </span>
        )}
      </span>
      <span class="row-actions">
        <button type="button" class="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide deliveries' : 'Deliveries'}
        </button>
        <button type="button" class="button" disabled={action.busy} onClick={() => setActive(!hook.active)}>
          {hook.active ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          class="button"
          disabled={action.busy}
          onClick={async () => {
            if (!window.confirm(`Rotate the secret of ${hook.url}? The old one stops signing at once.`)) return;
            const data = await action.run(RotateWebhookSecretMutation, { id: hook.id }, (d) => d.rotateWebhookSecret?.errors);
            const rotated = data?.rotateWebhookSecret;
            if (rotated?.secret) {
              onSecret({ url: hook.url, secret: rotated.secret });
              onChange();
            }
          }}
        >
          Rotate secret
        </button>
        <button
          type="button"
          class="button"
          disabled={action.busy}
          onClick={async () => {
            if (!window.confirm(`Delete the webhook ${hook.url} and its delivery log?`)) return;
            if (await action.run(DeleteWebhookMutation, { id: hook.id }, (d) => d.deleteWebhook?.errors)) onChange();
          }}
        >
          Delete
        </button>
      </span>
      <ActionErrors errors={action.errors} />
      {open && <Deliveries hook={hook} />}
    </li>
  );
}

/** A publisher's webhooks (for its owners). */
export function PublisherWebhooks({ publisher }: { publisher: string }) {
  const result = useQuery(WebhooksQuery, { publisher });
  const [secret, setSecret] = useState<ShownSecret | null>(null);
  const hooks = readFragment(WebhookFields, result.data?.webhooks ?? []);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p>
        The registry POSTs {publisher}’s events (new versions, yanks, quarantines, …) to your endpoints, signed with each hook’s secret. A hook is disabled
        after repeated failures; enable it again here. The registry’s webhook guide (docs/webhooks.md) has the payloads and how to check a signature.
      </p>
      {secret && <SecretNotice shown={secret} onDismiss={() => setSecret(null)} />}
      {result.status === 'loading' && <Loading label="Loading webhooks" />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.status === 'done' &&
        (hooks.length ? (
          <ul class="row-list" aria-label="Webhooks">
            {hooks.map((h) => (
              <WebhookRow key={h.id} hook={h} onChange={result.reload} onSecret={setSecret} />
            ))}
          </ul>
        ) : (
          <p class="empty">No webhooks yet.</p>
        ))}
      <NewWebhookForm
        publisher={publisher}
        onCreated={(shown) => {
          setSecret(shown);
          result.reload();
        }}
      />
    </section>
  );
}
