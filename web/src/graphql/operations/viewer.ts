import { graphql } from '../tada';

/** Who is signed in (null: the token is not valid). */
export const ViewerQuery = graphql(`
  query Viewer {
    me {
      id
      userId
      username
      isAdmin
      scopes
      publisher {
        id
        name
        displayName
        verificationStatus
      }
    }
  }
`);
