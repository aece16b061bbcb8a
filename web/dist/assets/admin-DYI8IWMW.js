import{$ as e,P as t}from"./index-DtupRRxO.js";var n=e(`
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
`),r=e(`
  mutation ReleaseVersion($package: String!, $version: String!, $reason: String!) {
    releaseVersion(package: $package, version: $version, reason: $reason) {
      version { id version status }
      errors { ...UserErrorFields }
    }
  }
`,[t]),i=e(`
  mutation DeleteVersion($package: String!, $version: String!, $reason: String!) {
    deleteVersion(package: $package, version: $version, reason: $reason) {
      deleted { package version previousStatus objectReleased }
      errors { ...UserErrorFields }
    }
  }
`,[t]),a=e(`
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
`),o=e(`
  mutation VerifyPublisher($publisher: String!, $notes: String!) {
    verifyPublisher(publisher: $publisher, notes: $notes) {
      publisher { id name verificationStatus }
      errors { ...UserErrorFields }
    }
  }
`,[t]),s=e(`
  mutation RejectPublisher($publisher: String!, $notes: String!) {
    rejectPublisher(publisher: $publisher, notes: $notes) {
      publisher { id name verificationStatus }
      errors { ...UserErrorFields }
    }
  }
`,[t]),c=e(`
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
`),l=e(`
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
`);export{s as a,o as c,n as i,i as n,r as o,a as r,l as s,c as t};