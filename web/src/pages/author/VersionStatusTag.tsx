// A version's state as a tag: pending (being scanned), published, quarantined, yanked.
import { titleCase } from '../../format';

export function VersionStatusTag({ status, yanked }: { status: string; yanked?: boolean }) {
  const kind = status === 'QUARANTINED' ? 'tag-danger' : status === 'PENDING' ? 'tag-warning' : 'tag-ok';
  return (
    <>
      <span class={`tag ${kind}`} data-status={status}>
        {titleCase(status)}
      </span>
      {yanked && <span class="tag tag-warning">Yanked</span>}
    </>
  );
}
