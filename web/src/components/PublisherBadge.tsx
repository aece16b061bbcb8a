export function VerifiedBadge({ status }: { status: string }) {
  if (status !== 'VERIFIED') return null;
  return (
    <span class="badge badge-verified" title="Verified publisher">
      <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14">
        <path fill="currentColor" d="M8 0l2 2h3v3l2 3-2 3v3h-3l-2 2-2-2H3v-3L1 8l2-3V2h3z" />
        <path fill="none" stroke="var(--badge-check)" stroke-width="1.8" d="M5 8.2l2 2 4-4.4" />
      </svg>
      Verified
    </span>
  );
}

export function PublisherLink({ publisher }: { publisher: { name: string; displayName: string; verificationStatus: string } }) {
  return (
    <span class="publisher-link">
      <a href={`/publishers/${encodeURIComponent(publisher.name)}`}>{publisher.displayName || publisher.name}</a>
      <VerifiedBadge status={publisher.verificationStatus} />
    </span>
  );
}
