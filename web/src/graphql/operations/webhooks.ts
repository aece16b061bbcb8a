// Webhooks of a publisher (its owners, on /my/publisher): the hooks, each one's delivery log,
// and the mutations; the signing secret is only in createWebhook's and rotateWebhookSecret's
// payloads.
import { graphql } from '../tada';
import { UserErrorFields } from './author';

export const WebhookFields = graphql(`
  fragment WebhookFields on Webhook {
    id
    url
    events
    format
    description
    active
    disabledReason
    disabledAt
    consecutiveFailures
    createdAt
  }
`);

export const WebhooksQuery = graphql(
  `
  query Webhooks($publisher: String!) {
    webhooks(publisher: $publisher) { ...WebhookFields }
  }
`,
  [WebhookFields],
);

/** Deliveries one page of a hook's log shows; the next page is `before` its last id. */
export const DELIVERY_PAGE = 20;

export const WebhookDeliveriesQuery = graphql(`
  query WebhookDeliveries($id: Int!, $first: Int!, $before: Int) {
    webhook(id: $id) {
      id
      deliveries(first: $first, before: $before) {
        id
        event
        state
        attempts
        createdAt
        nextAttemptAt
        lastStatusCode
        lastDurationMs
        lastError
        redeliveryOf
      }
    }
  }
`);

export const CreateWebhookMutation = graphql(
  `
  mutation CreateWebhook($publisher: String!, $input: CreateWebhookInput!) {
    createWebhook(publisher: $publisher, input: $input) {
      webhook { ...WebhookFields }
      secret
      errors { ...UserErrorFields }
    }
  }
`,
  [WebhookFields, UserErrorFields],
);

export const UpdateWebhookMutation = graphql(
  `
  mutation UpdateWebhook($id: Int!, $input: UpdateWebhookInput!) {
    updateWebhook(id: $id, input: $input) {
      webhook { ...WebhookFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [WebhookFields, UserErrorFields],
);

export const RotateWebhookSecretMutation = graphql(
  `
  mutation RotateWebhookSecret($id: Int!) {
    rotateWebhookSecret(id: $id) {
      webhook { ...WebhookFields }
      secret
      errors { ...UserErrorFields }
    }
  }
`,
  [WebhookFields, UserErrorFields],
);

export const DeleteWebhookMutation = graphql(
  `
  mutation DeleteWebhook($id: Int!) {
    deleteWebhook(id: $id) {
      deletedId
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const RedeliverWebhookDeliveryMutation = graphql(
  `
  mutation RedeliverWebhookDelivery($webhookId: Int!, $deliveryId: Int!) {
    redeliverWebhookDelivery(webhookId: $webhookId, deliveryId: $deliveryId) {
      delivery { id }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);
