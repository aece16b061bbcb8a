// Package transfers: offering a package to another publisher (on the package's manage page)
// and answering offers (on the publisher page: incoming ones accepted or declined by the
// receiving publisher's owners, outgoing ones withdrawn by the offering publisher's).
import { useState } from 'preact/hooks';
import { ActionErrors, useAction } from '../../components/Action';
import { ErrorMessage, Loading } from '../../components/Status';
import { formatDate } from '../../format';
import {
  AcceptPackageTransferMutation,
  CancelPackageTransferMutation,
  DeclinePackageTransferMutation,
  PackageTransferFields,
  PackageTransfersQuery,
  RequestPackageTransferMutation,
} from '../../graphql/operations/author';
import { readFragment, type ResultOf } from '../../graphql/tada';
import { useQuery } from '../../graphql/useQuery';
import { TextField } from './PackageFields';

type Transfer = ResultOf<typeof PackageTransferFields>;

/** "Transfer to another publisher" for one package; says what happens next once offered. */
export function TransferForm({ pkg, publisher }: { pkg: string; publisher: string }) {
  const action = useAction();
  const [to, setTo] = useState('');
  const [offered, setOffered] = useState<Transfer | null>(null);
  return (
    <form
      class="form form-wide"
      aria-labelledby="transfer-title"
      onSubmit={async (event) => {
        event.preventDefault();
        setOffered(null);
        const data = await action.run(RequestPackageTransferMutation, { package: pkg, toPublisher: to.trim() }, (d) => d.requestPackageTransfer?.errors);
        const transfer = data?.requestPackageTransfer?.transfer;
        if (transfer) {
          setOffered(readFragment(PackageTransferFields, transfer));
          setTo('');
        }
      }}
    >
      <h2 id="transfer-title">Transfer to another publisher</h2>
      <p class="hint">
        The package moves to the other publisher once one of its owners accepts (within 14 days); until then it stays with {publisher}. Pending offers are
        listed on <a href="/my/publisher">your publisher page</a>.
      </p>
      <TextField id="transfer-to" label="Receiving publisher (its slug)" value={to} onInput={setTo} required maxLength={64} />
      <ActionErrors errors={action.errors} />
      {offered && (
        <p class="success" role="status">
          Offered {offered.package} to {offered.toPublisher} until {formatDate(offered.expiresAt)}.
        </p>
      )}
      <button type="submit" class="button" disabled={action.busy}>
        {action.busy ? 'Offering…' : 'Offer the package'}
      </button>
    </form>
  );
}

function TransferRow({ transfer, incoming, onChange }: { transfer: Transfer; incoming: boolean; onChange: () => void }) {
  const action = useAction();
  const id = { id: transfer.id };
  const accept = async () => {
    if (await action.run(AcceptPackageTransferMutation, id, (d) => d.acceptPackageTransfer?.errors)) onChange();
  };
  const decline = async () => {
    if (await action.run(DeclinePackageTransferMutation, id, (d) => d.declinePackageTransfer?.errors)) onChange();
  };
  const cancel = async () => {
    if (await action.run(CancelPackageTransferMutation, id, (d) => d.cancelPackageTransfer?.errors)) onChange();
  };
  return (
    <li class="row" data-transfer={transfer.id}>
      <span class="row-main">
        <strong>{transfer.package}</strong> {incoming ? `from ${transfer.fromPublisher}` : `to ${transfer.toPublisher}`}
        <span class="row-sub muted">
          offered {formatDate(transfer.createdAt)} · open until {formatDate(transfer.expiresAt)}
        </span>
      </span>
      <span class="row-actions">
        {incoming ? (
          <>
            <button type="button" class="button button-primary" disabled={action.busy} onClick={accept}>
              Accept {transfer.package}
            </button>
            <button type="button" class="button" disabled={action.busy} onClick={decline}>
              Decline {transfer.package}
            </button>
          </>
        ) : (
          <button type="button" class="button" disabled={action.busy} onClick={cancel}>
            Withdraw offer of {transfer.package}
          </button>
        )}
      </span>
      <ActionErrors errors={action.errors} />
    </li>
  );
}

/** A publisher's open offers, both ways (for its owners; `onAccepted` reloads what moved). */
export function PublisherTransfers({ publisher, onAccepted }: { publisher: string; onAccepted: () => void }) {
  const result = useQuery(PackageTransfersQuery, { publisher });
  const transfers = readFragment(PackageTransferFields, result.data?.packageTransfers ?? []);
  const incoming = transfers.filter((t) => t.toPublisher === publisher);
  const outgoing = transfers.filter((t) => t.fromPublisher === publisher);
  const changed = () => {
    result.reload();
    onAccepted();
  };
  return (
    <section aria-labelledby="transfers-title">
      <h2 id="transfers-title">Package transfers</h2>
      {result.status === 'loading' && <Loading label="Loading transfers" />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.status === 'done' && (
        <>
          <h3>Offered to {publisher}</h3>
          {incoming.length ? (
            <ul class="row-list" aria-label="Transfers offered to you">
              {incoming.map((t) => (
                <TransferRow key={t.id} transfer={t} incoming onChange={changed} />
              ))}
            </ul>
          ) : (
            <p class="empty">No package is offered to {publisher}.</p>
          )}
          <h3>Offered by {publisher}</h3>
          {outgoing.length ? (
            <ul class="row-list" aria-label="Transfers you offered">
              {outgoing.map((t) => (
                <TransferRow key={t.id} transfer={t} incoming={false} onChange={changed} />
              ))}
            </ul>
          ) : (
            <p class="empty">
              No open offer. Offer a package from its <a href="/my/packages">manage page</a>.
            </p>
          )}
        </>
      )}
    </section>
  );
}
