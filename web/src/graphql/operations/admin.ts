// The admins' pages: the quarantine queue, publisher verifications, the audit log and storage.
// The server checks every one of them (non-admins get FORBIDDEN or an empty answer).
import { graphql } from '../tada';
import { UserErrorFields } from './author';

export const QuarantineQuery = graphql(`
  query QuarantineQueue($package: String, $after: String) {
    quarantinedVersions(package: $package, first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          version
          status
          sizeBytes
          createdAt
          checksumSha256
          scanReport
          package { id name displayName publisher { id name displayName } }
        }
      }
    }
  }
`);

export const ReleaseVersionMutation = graphql(
  `
  mutation ReleaseVersion($package: String!, $version: String!, $reason: String!) {
    releaseVersion(package: $package, version: $version, reason: $reason) {
      version { id version status }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const DeleteVersionMutation = graphql(
  `
  mutation DeleteVersion($package: String!, $version: String!, $reason: String!) {
    deleteVersion(package: $package, version: $version, reason: $reason) {
      deleted { package version previousStatus objectReleased }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const PendingPublishersQuery = graphql(`
  query PendingPublishers($after: String) {
    pendingPublishers(first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          databaseId
          name
          displayName
          email
          homepage
          github
          verificationStatus
          createdAt
          verificationRequest {
            id
            method
            data
            state
            checkResult
            submittedAt
            submittedBy
          }
        }
      }
    }
  }
`);

export const VerifyPublisherMutation = graphql(
  `
  mutation VerifyPublisher($publisher: String!, $notes: String!) {
    verifyPublisher(publisher: $publisher, notes: $notes) {
      publisher { id name verificationStatus }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const RejectPublisherMutation = graphql(
  `
  mutation RejectPublisher($publisher: String!, $notes: String!) {
    rejectPublisher(publisher: $publisher, notes: $notes) {
      publisher { id name verificationStatus }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const AuditLogQuery = graphql(`
  query AuditLog($filter: AuditLogFilter, $after: String) {
    auditLog(filter: $filter, first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          actorId
          action
          targetType
          targetId
          publisherId
          requestId
          ip
          details
          createdAt
        }
      }
    }
  }
`);

export const StorageStatusQuery = graphql(`
  query StorageStatus($probe: Boolean!) {
    storageStatus(probe: $probe) {
      objects
      checkedAt
      backends {
        name
        role
        kind
        up
        detail
        replicationLag
        breaker { state consecutiveFailures lastError secondsUntilProbe }
        copies { state count }
      }
    }
  }
`);
