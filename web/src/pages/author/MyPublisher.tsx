// /my/publisher: the author's publisher: register one, ask for verification (GitHub, domain or
// an admin's review) and follow the instructions, see its state; members and invitations;
// owners also get package transfers and webhooks.
import { useState } from 'preact/hooks';
import { useViewer } from '../../auth';
import { ActionErrors, useAction } from '../../components/Action';
import { CopyCommand } from '../../components/CopyCommand';
import { VerifiedBadge } from '../../components/PublisherBadge';
import { ErrorMessage, Loading, Notice } from '../../components/Status';
import { ACCOUNT_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { useLiveQuery } from '../../components/useLiveQuery';
import { formatDate, titleCase } from '../../format';
import {
  CancelInvitationMutation,
  InviteMemberMutation,
  IssueVerificationChallengeMutation,
  MyPublisherQuery,
  RegisterPublisherMutation,
  RemoveMemberMutation,
  RequestVerificationMutation,
} from '../../graphql/operations/author';
import type { ResultOf, VariablesOf } from '../../graphql/tada';
import { TextField } from './PackageFields';
import { PublisherTransfers } from './Transfers';
import { PublisherWebhooks } from './Webhooks';

type Publisher = NonNullable<NonNullable<ResultOf<typeof MyPublisherQuery>['me']>['publisher']>;
type Method = VariablesOf<typeof RequestVerificationMutation>['method'];

/** Owners manage members and transfers (the server decides; this spares others forms they
 * cannot use). */
function isOwner(publisher: Publisher, userId: string): boolean {
  return publisher.members?.some((m) => m.userId === userId && m.role === 'owner') ?? false;
}

function RegisterForm({ onDone }: { onDone: () => void }) {
  const action = useAction();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [homepage, setHomepage] = useState('');
  const [github, setGithub] = useState('');
  return (
    <form
      class="form form-wide"
      aria-labelledby="register-title"
      onSubmit={async (event) => {
        event.preventDefault();
        const input = { name: name.trim(), displayName: displayName.trim(), email: email.trim(), homepage: homepage.trim(), github: github.trim() };
        if (await action.run(RegisterPublisherMutation, { input }, (d) => d.registerPublisher?.errors)) onDone();
      }}
    >
      <h2 id="register-title">Register a publisher</h2>
      <p>Packages belong to publishers: a person or a team. You become its owner.</p>
      <TextField id="publisher-name" label="Slug" value={name} onInput={setName} required maxLength={64} hint="Lower-case letters, digits and -; it appears in URLs." />
      <TextField id="publisher-display-name" label="Display name" value={displayName} onInput={setDisplayName} required maxLength={128} />
      <TextField id="publisher-email" label="Contact e-mail" type="email" value={email} onInput={setEmail} required maxLength={254} />
      <TextField id="publisher-homepage" label="Homepage (optional)" type="url" value={homepage} onInput={setHomepage} />
      <TextField id="publisher-github" label="GitHub account (optional)" value={github} onInput={setGithub} maxLength={39} />
      <ActionErrors errors={action.errors} />
      <button type="submit" class="button button-primary" disabled={action.busy}>
        Register
      </button>
    </form>
  );
}

function Verification({ publisher, onChange }: { publisher: Publisher; onChange: () => void }) {
  const action = useAction();
  const [method, setMethod] = useState<Method>('GITHUB');
  const [subject, setSubject] = useState(publisher.github);
  const [note, setNote] = useState('');
  const [challenge, setChallenge] = useState<string | null>(null);
  const [answer, setAnswer] = useState<{ message: string; instructions: string } | null>(null);
  const request = publisher.verificationRequest;
  const status = publisher.verificationStatus;
  const canRequest = status !== 'VERIFIED' && status !== 'SUSPENDED';
  return (
    <section aria-labelledby="verification-title">
      <h2 id="verification-title">Verification</h2>
      <p class="verification-state">
        State: <strong>{titleCase(status)}</strong> <VerifiedBadge status={status} />
        {publisher.verifiedAt && ` since ${formatDate(publisher.verifiedAt)}`}
      </p>
      {publisher.verificationNotes && (
        <Notice>
          <p>An admin’s note: {publisher.verificationNotes}</p>
        </Notice>
      )}
      {request && (
        <dl class="facts" aria-label="Latest verification request">
          <dt>Method</dt>
          <dd>{titleCase(request.method || 'none')}</dd>
          <dt>Request</dt>
          <dd>{titleCase(request.state)}</dd>
          <dt>Submitted</dt>
          <dd>{formatDate(request.submittedAt)}</dd>
          {request.challenge && request.method !== 'manual' && (
            <>
              <dt>Proof string</dt>
              <dd>
                <code>{request.challenge}</code>
              </dd>
            </>
          )}
          {request.checkedAt && (
            <>
              <dt>Checked</dt>
              <dd>{formatDate(request.checkedAt)}</dd>
            </>
          )}
          {request.checkResult != null && (
            <>
              <dt>Check result</dt>
              <dd>
                <code>{JSON.stringify(request.checkResult)}</code>
              </dd>
            </>
          )}
        </dl>
      )}
      {answer && (
        <Notice>
          <p role="status">{answer.message}</p>
          <p class="instructions">{answer.instructions}</p>
        </Notice>
      )}
      {canRequest && (
        <>
          <p>
            Verified publishers may publish public packages and carry a badge. Prove that you control a GitHub account or a domain (checked
            automatically), or ask an admin to review you.
          </p>
          <div class="row-actions">
            <button
              type="button"
              class="button"
              disabled={action.busy}
              onClick={async () => {
                const data = await action.run(IssueVerificationChallengeMutation, {}, (d) => d.issueVerificationChallenge?.errors);
                if (data?.issueVerificationChallenge?.challenge) setChallenge(data.issueVerificationChallenge.challenge);
              }}
            >
              Get a proof string
            </button>
          </div>
          {challenge && <CopyCommand command={challenge} label="Proof string" />}
          <form
            class="form form-wide"
            aria-labelledby="request-title"
            onSubmit={async (event) => {
              event.preventDefault();
              const data = method === 'MANUAL' ? { message: note.trim() } : method === 'GITHUB' ? { username: subject.trim() } : { domain: subject.trim() };
              const result = await action.run(RequestVerificationMutation, { method, data }, (d) => d.requestVerification?.errors);
              const payload = result?.requestVerification;
              if (payload) {
                setAnswer({ message: payload.message ?? '', instructions: payload.instructions ?? '' });
                if (payload.challenge) setChallenge(payload.challenge);
                onChange();
              }
            }}
          >
            <h3 id="request-title">Request verification</h3>
            <fieldset class="field">
              <legend>Method</legend>
              {(['GITHUB', 'DOMAIN', 'MANUAL'] as Method[]).map((m) => (
                <label key={m} class="choice">
                  <input type="radio" name="verification-method" checked={method === m} onChange={() => setMethod(m)} />
                  <span>
                    <strong>{m === 'GITHUB' ? 'GitHub' : titleCase(m)}</strong>{' '}
                    <span class="muted">
                      {m === 'GITHUB' ? '(a file in a public repository)' : m === 'DOMAIN' ? '(a file on your website or a DNS TXT record)' : '(an admin reviews your request)'}
                    </span>
                  </span>
                </label>
              ))}
            </fieldset>
            {method === 'MANUAL' ? (
              <TextField id="verification-note" label="Who you are (for the admin)" value={note} onInput={setNote} multiline maxLength={2000} />
            ) : (
              <TextField
                id="verification-subject"
                label={method === 'GITHUB' ? 'GitHub username' : 'Domain'}
                value={subject}
                onInput={setSubject}
                required
                maxLength={253}
              />
            )}
            <button type="submit" class="button button-primary" disabled={action.busy}>
              Request verification
            </button>
          </form>
        </>
      )}
      <ActionErrors errors={action.errors} />
    </section>
  );
}

function Members({ publisher, onChange }: { publisher: Publisher; onChange: () => void }) {
  const viewer = useViewer();
  const action = useAction();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState('member');
  const me = viewer.status === 'signed-in' ? viewer.viewer.userId : '';
  const owner = isOwner(publisher, me);
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <ul class="row-list" aria-label="Members">
        {(publisher.members ?? []).map((m) => (
          <li key={m.userId} class="row">
            <span class="row-main">
              <strong>{m.username || m.userId}</strong> <span class="tag">{m.role}</span>
              <span class="row-sub muted">since {formatDate(m.addedAt)}</span>
            </span>
            {owner && m.userId !== me && (
              <span class="row-actions">
                <button
                  type="button"
                  class="button"
                  disabled={action.busy}
                  onClick={async () => {
                    if (!window.confirm(`Remove ${m.username || m.userId} from ${publisher.name}?`)) return;
                    if (await action.run(RemoveMemberMutation, { publisher: publisher.name, userId: m.userId }, (d) => d.removePublisherMember?.errors)) onChange();
                  }}
                >
                  Remove {m.username || m.userId}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {publisher.invitations && publisher.invitations.length > 0 && (
        <>
          <h3>Open invitations</h3>
          <ul class="row-list" aria-label="Open invitations">
            {publisher.invitations.map((inv) => (
              <li key={inv.id} class="row">
                <span class="row-main">
                  <strong>{inv.username || inv.userId}</strong> <span class="tag">{inv.role}</span>
                  <span class="row-sub muted">
                    {titleCase(inv.state)} · until {formatDate(inv.expiresAt)}
                  </span>
                </span>
                <span class="row-actions">
                  <button
                    type="button"
                    class="button"
                    disabled={action.busy}
                    onClick={async () => {
                      if (await action.run(CancelInvitationMutation, { publisher: publisher.name, id: inv.id }, (d) => d.cancelPublisherInvitation?.errors)) onChange();
                    }}
                  >
                    Cancel invitation of {inv.username || inv.userId}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {owner && (
        <form
          class="form form-inline"
          aria-labelledby="invite-title"
          onSubmit={async (event) => {
            event.preventDefault();
            if (await action.run(InviteMemberMutation, { publisher: publisher.name, username: username.trim(), userId: null, role }, (d) => d.invitePublisherMember?.errors)) {
              setUsername('');
              onChange();
            }
          }}
        >
          <h3 id="invite-title">Invite someone</h3>
          <p class="hint">They join once they accept (within 14 days). Users appear after their first sign-in.</p>
          <div class="field">
            <label for="invite-username">Username</label>
            <input id="invite-username" required maxLength={128} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="invite-role">Role</label>
            <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="member">Member</option>
              <option value="owner">Owner</option>
            </select>
          </div>
          <button type="submit" class="button button-primary" disabled={action.busy}>
            Invite
          </button>
        </form>
      )}
      <ActionErrors errors={action.errors} />
    </section>
  );
}

export function MyPublisherPage() {
  usePageTitle('Publisher');
  const result = useLiveQuery(MyPublisherQuery, {});
  const publisher = result.data?.me?.publisher;
  const me = result.data?.me?.userId ?? '';
  return (
    <section aria-labelledby="publisher-title">
      <SubNav label="My account" links={ACCOUNT_LINKS} />
      <h1 id="publisher-title">{publisher ? publisher.displayName || publisher.name : 'Publisher'}</h1>
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.status === 'done' &&
        (publisher ? (
          <>
            <p class="muted">
              <a href={`/publishers/${encodeURIComponent(publisher.name)}`}>Public page</a> · <code>{publisher.name}</code>
            </p>
            <Verification publisher={publisher} onChange={result.reload} />
            <Members publisher={publisher} onChange={result.reload} />
            {isOwner(publisher, me) && <PublisherTransfers publisher={publisher.name} onAccepted={result.reload} />}
            {isOwner(publisher, me) && <PublisherWebhooks publisher={publisher.name} />}
          </>
        ) : (
          <RegisterForm onDone={result.reload} />
        ))}
    </section>
  );
}

export default MyPublisherPage;
