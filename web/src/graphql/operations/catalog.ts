// The players' pages: home, search, package and publisher. Every operation the UI sends lives
// in src/graphql/operations/ (the build collects them into dist/persisted-operations.json).
import { graphql } from '../tada';

export const PackageCardFields = graphql(`
  fragment PackageCardFields on Package {
    id
    name
    displayName
    description
    packageType
    latestVersion
    totalDownloads
    updatedAt
    iconUrl
    status
    publisher {
      id
      name
      displayName
      verificationStatus
    }
  }
`);

export const HomeQuery = graphql(
  `
  query Home {
    categories {
      slug
      title
      description
      packageCount
    }
    popular: packages(sort: DOWNLOADS, first: 8) {
      totalCount
      edges { node { ...PackageCardFields } }
    }
    newest: packages(sort: CREATED, first: 8) {
      edges { node { ...PackageCardFields } }
    }
    updated: packages(sort: UPDATED, first: 8) {
      edges { node { ...PackageCardFields } }
    }
  }
`,
  [PackageCardFields],
);

export const SearchQuery = graphql(
  `
  query Search($search: String, $filter: PackageFilter, $sort: PackageSort!, $first: Int, $after: String) {
    packages(search: $search, filter: $filter, sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...PackageCardFields } }
      facets {
        facet
        values { value count }
      }
    }
    categories { slug title }
  }
`,
  [PackageCardFields],
);

export const PackageQuery = graphql(`
  query PackagePage($name: String!) {
    package(name: $name) {
      id
      name
      displayName
      packageType
      visibility
      description
      homepage
      repository
      license
      keywords
      categories
      status
      deprecationMessage
      successor
      latestVersion
      totalDownloads
      createdAt
      updatedAt
      iconUrl
      readmeHtml
      publisher {
        id
        name
        displayName
        verificationStatus
      }
      versions(first: 50) {
        id
        version
        status
        yanked
        yankReason
        toolboxVersion
        pythonVersion
        sizeBytes
        downloads
        platforms
        publishedAt
        downloadUrl
        checksumSha256
        changelogHtml
        dependencies {
          id
          name
          versionSpec
          optional
          package { id name }
        }
      }
      usedBy(first: 10) { id name displayName }
    }
    categories { slug title }
    artifact(name: $name) {
      id
      name
      description
      homepage
      repository
      publisher {
        id
        name
        displayName
        verificationStatus
      }
      artifactType
      latestVersion
      versions {
        id
        version
        releasedAt
        builds {
          id
          platform
          architecture
          filename
          sizeBytes
          installerType
          downloads
          downloadUrl
        }
      }
    }
  }
`);

export const PublisherQuery = graphql(
  `
  query PublisherPage($name: String!, $after: String) {
    publisher(name: $name) {
      id
      name
      displayName
      verificationStatus
      homepage
      github
      notice
      packageCount
      totalDownloads
      createdAt
      verifiedAt
      packages(first: 20, after: $after, sort: DOWNLOADS) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { ...PackageCardFields } }
      }
    }
  }
`,
  [PackageCardFields],
);

/** A package's downloads per period for the package page's chart (DownloadChart.tsx). */
export const DownloadStatsQuery = graphql(`
  query PackageDownloadStats($package: String!, $from: Date, $granularity: StatsGranularity!) {
    downloadStats(package: $package, from: $from, granularity: $granularity) {
      from
      to
      granularity
      total
      periods { start downloads }
    }
  }
`);

/** An artifact's downloads per period (all its builds) for the artifact page's chart. */
export const ArtifactDownloadStatsQuery = graphql(`
  query ArtifactDownloadStats($name: String!, $from: Date, $granularity: StatsGranularity!) {
    artifact(name: $name) {
      id
      downloadStats(from: $from, granularity: $granularity) {
        from
        to
        granularity
        total
        periods { start downloads }
      }
    }
  }
`);
