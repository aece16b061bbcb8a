// The signed-in authors' pages: their packages, publishing, API tokens and their publisher.
// Every operation the UI sends lives in src/graphql/operations/ (the build collects them into
// dist/persisted-operations.json).
import { graphql } from '../tada';

export const UserErrorFields = graphql(`
  fragment UserErrorFields on UserError {
    field
    code
    message
  }
`);

export const MyPackagesQuery = graphql(`
  query MyPackages($after: String) {
    me {
      id
      publisher {
        id
        name
        displayName
        verificationStatus
        canPublishPublic
        packages(first: 50, after: $after, sort: UPDATED) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges {
            node {
              id
              name
              displayName
              description
              packageType
              visibility
              status
              latestVersion
              totalDownloads
              updatedAt
            }
          }
        }
      }
    }
    myPublisherInvitations {
      id
      publisherName
      role
      invitedBy
      expiresAt
    }
  }
`);

export const AuthorCategoriesQuery = graphql(`
  query AuthorCategories {
    categories { slug title }
  }
`);

export const CreatePackageMutation = graphql(
  `
  mutation CreatePackage($input: CreatePackageInput!) {
    createPackage(input: $input) {
      package { id name }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const AuthorVersionFields = graphql(`
  fragment AuthorVersionFields on PackageVersion {
    id
    version
    status
    yanked
    yankReason
    sizeBytes
    warnings
    createdAt
    publishedAt
    scanReport
  }
`);

export const ManagePackageQuery = graphql(
  `
  query ManagePackage($name: String!) {
    package(name: $name) {
      id
      name
      displayName
      packageType
      visibility
      description
      readme
      homepage
      repository
      license
      keywords
      categories
      status
      deprecationMessage
      successor
      latestVersion
      publisher { id name displayName verificationStatus canPublishPublic }
      versions(first: 100) { ...AuthorVersionFields }
    }
    categories { slug title }
  }
`,
  [AuthorVersionFields],
);

export const UpdatePackageMutation = graphql(
  `
  mutation UpdatePackage($name: String!, $input: UpdatePackageInput!) {
    updatePackage(name: $name, input: $input) {
      package { id name visibility status updatedAt }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const YankVersionMutation = graphql(
  `
  mutation YankVersion($package: String!, $version: String!, $reason: String!) {
    yankVersion(package: $package, version: $version, reason: $reason) {
      version { ...AuthorVersionFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [AuthorVersionFields, UserErrorFields],
);

export const UnyankVersionMutation = graphql(
  `
  mutation UnyankVersion($package: String!, $version: String!) {
    unyankVersion(package: $package, version: $version) {
      version { ...AuthorVersionFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [AuthorVersionFields, UserErrorFields],
);

export const PublishVersionMutation = graphql(
  `
  mutation PublishVersion($package: String!, $input: PublishVersionInput!, $file: Upload!) {
    publishVersion(package: $package, input: $input, file: $file) {
      version { ...AuthorVersionFields }
      warnings
      errors { ...UserErrorFields }
    }
  }
`,
  [AuthorVersionFields, UserErrorFields],
);

export const VersionStatusQuery = graphql(
  `
  query VersionStatus($package: String!, $version: String!) {
    version(package: $package, version: $version) { ...AuthorVersionFields }
  }
`,
  [AuthorVersionFields],
);

export const VersionStatusSubscription = graphql(
  `
  subscription VersionStatusChanged($package: String!) {
    versionStatusChanged(package: $package) {
      status
      rule
      version { ...AuthorVersionFields }
    }
  }
`,
  [AuthorVersionFields],
);

export const ApiTokenFields = graphql(`
  fragment ApiTokenFields on ApiToken {
    id
    tokenId
    name
    scopes
    packageGlobs
    expiresAt
    lastUsedAt
    revokedAt
    createdAt
  }
`);

export const ApiTokensQuery = graphql(
  `
  query ApiTokens {
    me { id scopes tokens { ...ApiTokenFields } }
  }
`,
  [ApiTokenFields],
);

export const CreateApiTokenMutation = graphql(
  `
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token { ...ApiTokenFields }
      plaintext
      errors { ...UserErrorFields }
    }
  }
`,
  [ApiTokenFields, UserErrorFields],
);

export const RevokeApiTokenMutation = graphql(
  `
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      token { ...ApiTokenFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [ApiTokenFields, UserErrorFields],
);

export const MyPublisherQuery = graphql(`
  query MyPublisher {
    me {
      id
      userId
      username
      publisher {
        id
        name
        displayName
        verificationStatus
        verificationNotes
        verifiedAt
        homepage
        github
        canPublishPublic
        verificationRequest {
          id
          method
          data
          state
          challenge
          checkResult
          submittedAt
          checkedAt
        }
        members { userId username role addedAt }
        invitations { id userId username role state expiresAt }
      }
    }
  }
`);

export const RegisterPublisherMutation = graphql(
  `
  mutation RegisterPublisher($input: RegisterPublisherInput!) {
    registerPublisher(input: $input) {
      publisher { id name }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const IssueVerificationChallengeMutation = graphql(
  `
  mutation IssueVerificationChallenge {
    issueVerificationChallenge {
      challenge
      expiresAt
      userId
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const RequestVerificationMutation = graphql(
  `
  mutation RequestVerification($method: VerificationMethod!, $data: JSON!) {
    requestVerification(method: $method, data: $data) {
      publisher { id verificationStatus }
      message
      instructions
      challenge
      challengeExpiresAt
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const InviteMemberMutation = graphql(
  `
  mutation InvitePublisherMember($publisher: String!, $username: String, $userId: String, $role: String!) {
    invitePublisherMember(publisher: $publisher, username: $username, userId: $userId, role: $role) {
      invitation { id }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const CancelInvitationMutation = graphql(
  `
  mutation CancelPublisherInvitation($publisher: String!, $id: String!) {
    cancelPublisherInvitation(publisher: $publisher, id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const RemoveMemberMutation = graphql(
  `
  mutation RemovePublisherMember($publisher: String!, $userId: String!) {
    removePublisherMember(publisher: $publisher, userId: $userId) {
      removedUserId
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const AcceptInvitationMutation = graphql(
  `
  mutation AcceptPublisherInvitation($id: String!) {
    acceptPublisherInvitation(id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const DeclineInvitationMutation = graphql(
  `
  mutation DeclinePublisherInvitation($id: String!) {
    declinePublisherInvitation(id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,
  [UserErrorFields],
);

export const PackageTransferFields = graphql(`
  fragment PackageTransferFields on PackageTransfer {
    id
    package
    fromPublisher
    toPublisher
    state
    createdAt
    expiresAt
  }
`);

export const PackageTransfersQuery = graphql(
  `
  query PackageTransfers($publisher: String!) {
    packageTransfers(publisher: $publisher, direction: BOTH) { ...PackageTransferFields }
  }
`,
  [PackageTransferFields],
);

export const RequestPackageTransferMutation = graphql(
  `
  mutation RequestPackageTransfer($package: String!, $toPublisher: String!) {
    requestPackageTransfer(package: $package, toPublisher: $toPublisher) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [PackageTransferFields, UserErrorFields],
);

export const AcceptPackageTransferMutation = graphql(
  `
  mutation AcceptPackageTransfer($id: String!) {
    acceptPackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [PackageTransferFields, UserErrorFields],
);

export const DeclinePackageTransferMutation = graphql(
  `
  mutation DeclinePackageTransfer($id: String!) {
    declinePackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [PackageTransferFields, UserErrorFields],
);

export const CancelPackageTransferMutation = graphql(
  `
  mutation CancelPackageTransfer($id: String!) {
    cancelPackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,
  [PackageTransferFields, UserErrorFields],
);
