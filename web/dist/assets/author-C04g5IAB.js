import{O as e,h as t,p as n}from"./index-M43_EKKo.js";var r=[{href:`/my/packages`,label:`My packages`},{href:`/my/publisher`,label:`Publisher`},{href:`/my/tokens`,label:`API tokens`}],i=[{href:`/admin/quarantine`,label:`Quarantine`},{href:`/admin/verifications`,label:`Verifications`},{href:`/admin/audit`,label:`Audit log`},{href:`/admin/storage`,label:`Storage`}];function a({label:t,links:r}){let{path:i}=e();return n(`nav`,{class:`sub-nav`,"aria-label":t,children:n(`ul`,{children:r.map(e=>{let t=i===e.href||i.startsWith(`${e.href}/`);return n(`li`,{children:n(`a`,{href:e.href,"aria-current":t?`page`:void 0,children:e.label})},e.href)})})})}var o=t(`
  fragment UserErrorFields on UserError {
    field
    code
    message
  }
`),s=t(`
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
`),c=t(`
  query AuthorCategories {
    categories { slug title }
  }
`),l=t(`
  mutation CreatePackage($input: CreatePackageInput!) {
    createPackage(input: $input) {
      package { id name }
      errors { ...UserErrorFields }
    }
  }
`,[o]),u=t(`
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
`),d=t(`
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
`,[u]),f=t(`
  mutation UpdatePackage($name: String!, $input: UpdatePackageInput!) {
    updatePackage(name: $name, input: $input) {
      package { id name visibility status updatedAt }
      errors { ...UserErrorFields }
    }
  }
`,[o]),p=t(`
  mutation YankVersion($package: String!, $version: String!, $reason: String!) {
    yankVersion(package: $package, version: $version, reason: $reason) {
      version { ...AuthorVersionFields }
      errors { ...UserErrorFields }
    }
  }
`,[u,o]),m=t(`
  mutation UnyankVersion($package: String!, $version: String!) {
    unyankVersion(package: $package, version: $version) {
      version { ...AuthorVersionFields }
      errors { ...UserErrorFields }
    }
  }
`,[u,o]),h=t(`
  mutation PublishVersion($package: String!, $input: PublishVersionInput!, $file: Upload!) {
    publishVersion(package: $package, input: $input, file: $file) {
      version { ...AuthorVersionFields }
      warnings
      errors { ...UserErrorFields }
    }
  }
`,[u,o]),g=t(`
  query VersionStatus($package: String!, $version: String!) {
    version(package: $package, version: $version) { ...AuthorVersionFields }
  }
`,[u]),_=t(`
  subscription VersionStatusChanged($package: String!) {
    versionStatusChanged(package: $package) {
      status
      rule
      version { ...AuthorVersionFields }
    }
  }
`,[u]),v=t(`
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
`),y=t(`
  query ApiTokens {
    me { id scopes tokens { ...ApiTokenFields } }
  }
`,[v]),b=t(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token { ...ApiTokenFields }
      plaintext
      errors { ...UserErrorFields }
    }
  }
`,[v,o]),x=t(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      token { ...ApiTokenFields }
      errors { ...UserErrorFields }
    }
  }
`,[v,o]),S=t(`
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
`),C=t(`
  mutation RegisterPublisher($input: RegisterPublisherInput!) {
    registerPublisher(input: $input) {
      publisher { id name }
      errors { ...UserErrorFields }
    }
  }
`,[o]),w=t(`
  mutation IssueVerificationChallenge {
    issueVerificationChallenge {
      challenge
      expiresAt
      userId
      errors { ...UserErrorFields }
    }
  }
`,[o]),T=t(`
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
`,[o]),E=t(`
  mutation InvitePublisherMember($publisher: String!, $username: String, $userId: String, $role: String!) {
    invitePublisherMember(publisher: $publisher, username: $username, userId: $userId, role: $role) {
      invitation { id }
      errors { ...UserErrorFields }
    }
  }
`,[o]),D=t(`
  mutation CancelPublisherInvitation($publisher: String!, $id: String!) {
    cancelPublisherInvitation(publisher: $publisher, id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,[o]),O=t(`
  mutation RemovePublisherMember($publisher: String!, $userId: String!) {
    removePublisherMember(publisher: $publisher, userId: $userId) {
      removedUserId
      errors { ...UserErrorFields }
    }
  }
`,[o]),k=t(`
  mutation AcceptPublisherInvitation($id: String!) {
    acceptPublisherInvitation(id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,[o]),A=t(`
  mutation DeclinePublisherInvitation($id: String!) {
    declinePublisherInvitation(id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,[o]),j=t(`
  fragment PackageTransferFields on PackageTransfer {
    id
    package
    fromPublisher
    toPublisher
    state
    createdAt
    expiresAt
  }
`),M=t(`
  query PackageTransfers($publisher: String!) {
    packageTransfers(publisher: $publisher, direction: BOTH) { ...PackageTransferFields }
  }
`,[j]),N=t(`
  mutation RequestPackageTransfer($package: String!, $toPublisher: String!) {
    requestPackageTransfer(package: $package, toPublisher: $toPublisher) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[j,o]),P=t(`
  mutation AcceptPackageTransfer($id: String!) {
    acceptPackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[j,o]),F=t(`
  mutation DeclinePackageTransfer($id: String!) {
    declinePackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[j,o]),I=t(`
  mutation CancelPackageTransfer($id: String!) {
    cancelPackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[j,o]);export{_ as A,N as C,f as D,m as E,r as M,i as N,o as O,a as P,O as S,x as T,S as _,c as a,h as b,I as c,A as d,F as f,s as g,d as h,y as i,p as j,g as k,b as l,w as m,P as n,u as o,E as p,v as r,D as s,k as t,l as u,j as v,T as w,C as x,M as y};