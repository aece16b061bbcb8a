// Uploads by the GraphQL multipart request spec (the server side: registry/graphql/uploads.py).
// XMLHttpRequest rather than fetch, because only it reports upload progress. An upload is sent
// once, so it carries both the persisted-query hash and the document text.
import type { TadaDocumentNode } from 'gql.tada';
import {
  GRAPHQL_ENDPOINT,
  GraphQLFailure,
  authHeaders,
  isAuthFailure,
  reportUnauthenticated,
  type GraphQLResponse,
} from './client';
import { persisted, persistedQueryExtension } from './persist';

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Runs `document` with `variables`, where each entry of `files` (a variable path such as
 * "variables.file") is sent as a file part. Resolves with the operation's data.
 */
export function uploadOperation<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  variables: TVariables,
  files: Record<string, File>,
  options: { onProgress?: (progress: UploadProgress) => void; signal?: AbortSignal } = {},
): Promise<TResult> {
  const op = persisted(document);
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: op.text,
      operationName: op.operationName,
      variables,
      extensions: persistedQueryExtension(op.hash),
    }),
  );
  const paths = Object.keys(files);
  form.append('map', JSON.stringify(Object.fromEntries(paths.map((path, i) => [String(i), [path]]))));
  paths.forEach((path, i) => form.append(String(i), files[path]!, files[path]!.name));

  return new Promise<TResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', GRAPHQL_ENDPOINT);
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json;q=0.9');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.({ loaded: event.loaded, total: event.total });
    };
    xhr.onerror = () => reject(new GraphQLFailure('The upload was interrupted (network error)', 0));
    xhr.onabort = () => reject(new GraphQLFailure('The upload was cancelled', 0));
    xhr.onload = () => {
      let body: GraphQLResponse<TResult>;
      try {
        body = JSON.parse(xhr.responseText) as GraphQLResponse<TResult>;
      } catch {
        reject(new GraphQLFailure(`The registry answered ${xhr.status} without GraphQL JSON`, xhr.status));
        return;
      }
      if (isAuthFailure(xhr.status, body.errors)) reportUnauthenticated();
      if (body.errors?.length || body.data == null) {
        const message = body.errors?.map((e) => e.message).join('; ') || `Upload failed (${xhr.status})`;
        reject(new GraphQLFailure(message, xhr.status, body.errors));
      } else {
        resolve(body.data);
      }
    };
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}
