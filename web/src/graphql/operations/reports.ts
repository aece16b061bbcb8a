// Abuse and malware reports: a signed-in user's report from the package page, and the admins'
// queue (/admin/reports) with its two resolutions.
import { graphql } from '../tada';
import { UserErrorFields } from './author';

export const AbuseReportFields = graphql(`
  fragment AbuseReportFields on AbuseReport {
    id
    package
    version
    reason
    details
    state
    action
    reporterId
    createdAt
    resolvedAt
    resolvedBy
    resolutionNote
  }
`);

export const ReportPackageMutation = graphql(
  `
  mutation ReportPackage($package: String!, $reason: ReportReason!, $details: String!, $version: String) {
    reportPackage(package: $package, reason: $reason, details: $details, version: $version) {
      report { ...AbuseReportFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [AbuseReportFields, UserErrorFields],
);

export const AbuseReportsQuery = graphql(
  `
  query AbuseReports($state: ReportState, $after: String) {
    abuseReports(state: $state, first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...AbuseReportFields } }
    }
  }
`,
  [AbuseReportFields],
);

export const DismissReportMutation = graphql(
  `
  mutation DismissReport($id: ID!, $note: String!) {
    dismissReport(id: $id, note: $note) {
      report { ...AbuseReportFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [AbuseReportFields, UserErrorFields],
);

export const QuarantineReportedVersionMutation = graphql(
  `
  mutation QuarantineReportedVersion($id: ID!, $note: String!, $version: String) {
    quarantineReportedVersion(id: $id, note: $note, version: $version) {
      report { ...AbuseReportFields }
      version { id version status }
      newlyQuarantined
      resolvedCount
      errors { ...UserErrorFields }
    }
  }
`,
  [AbuseReportFields, UserErrorFields],
);
