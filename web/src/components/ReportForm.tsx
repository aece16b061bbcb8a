// "Report this package" on the package page: signed-in users tell the admins about malware,
// abuse, spam and the like (reportPackage); anonymous visitors are offered sign-in first.
import { useState } from 'preact/hooks';
import { signInUrl, useViewer } from '../auth';
import { ReportPackageMutation } from '../graphql/operations/reports';
import type { VariablesOf } from '../graphql/tada';
import { ActionErrors, useAction } from './Action';

type Reason = VariablesOf<typeof ReportPackageMutation>['reason'];

const REASONS: { value: Reason; label: string }[] = [
  { value: 'MALWARE', label: 'Malicious code' },
  { value: 'ABUSE', label: 'Abusive or harmful content' },
  { value: 'SPAM', label: 'Spam or junk' },
  { value: 'COPYRIGHT', label: 'Copyright infringement' },
  { value: 'IMPERSONATION', label: 'Poses as someone else' },
  { value: 'OTHER', label: 'Something else' },
];
/** reportPackage's own limit on the details. */
const DETAILS_MAX = 4000;

export function ReportForm({ name, versions }: { name: string; versions: readonly string[] }) {
  const viewer = useViewer();
  const action = useAction();
  const [reason, setReason] = useState<Reason>('MALWARE');
  const [version, setVersion] = useState('');
  const [details, setDetails] = useState('');
  const [sent, setSent] = useState(false);
  // While a kept token is being checked, offer nothing: a "Sign in" link there would send a
  // visitor who is a moment from being signed in to the sign-in page.
  if (viewer.status === 'loading') return null;
  if (viewer.status === 'anonymous') {
    return (
      <p class="report-link">
        <a href={signInUrl()}>Sign in to report this package</a>
      </p>
    );
  }
  return (
    <details class="report">
      <summary>Report this package</summary>
      {sent ? (
        <p class="success" role="status">
          Thank you: your report is with the admins.
        </p>
      ) : (
        <form
          class="form"
          aria-label={`Report ${name}`}
          onSubmit={async (event) => {
            event.preventDefault();
            const variables = { package: name, reason, details: details.trim(), version: version || null };
            if (await action.run(ReportPackageMutation, variables, (d) => d.reportPackage?.errors)) setSent(true);
          }}
        >
          <div class="field">
            <label for="report-reason">Why</label>
            <select id="report-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value as Reason)}>
              {REASONS.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
          </div>
          {versions.length > 0 && (
            <div class="field">
              <label for="report-version">Which version</label>
              <select id="report-version" value={version} onChange={(e) => setVersion(e.currentTarget.value)}>
                <option value="">The whole package</option>
                {versions.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div class="field">
            <label for="report-details">What is wrong</label>
            <textarea id="report-details" rows={4} required maxLength={DETAILS_MAX} value={details} onInput={(e) => setDetails(e.currentTarget.value)} />
          </div>
          <ActionErrors errors={action.errors} />
          <button type="submit" class="button" disabled={action.busy}>
            {action.busy ? 'Sending…' : 'Send report'}
          </button>
        </form>
      )}
    </details>
  );
}
