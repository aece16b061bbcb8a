// Boots GraphiQL from the JSON config the registry embeds in the page (#graphiql-config).
// Reading config from a JSON block instead of an inline <script> keeps the page compatible with a
// strict Content-Security-Policy (script-src 'self'), and bundling every dependency here means the
// browser never needs a CDN: self-hosted registries are often offline or air-gapped.
import 'graphiql/graphiql.css';
import './page.css';

import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

function readConfig() {
  const element = document.getElementById('graphiql-config');
  if (element === null) {
    throw new Error('GraphiQL: missing #graphiql-config JSON block');
  }
  return JSON.parse(element.textContent);
}

function toWebSocketUrl(httpUrl) {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.toString();
}

// Browsers cannot set headers on a WebSocket handshake, so the headers typed into GraphiQL's
// headers editor (e.g. Authorization) travel in the graphql-transport-ws connection_init payload.
// The connection is lazy, so it is opened on the first subscription with the latest headers.
let latestHeaders = {};

function createFetcher(endpointUrl, subscriptionsEnabled) {
  const wsClient = subscriptionsEnabled
    ? createClient({
        url: toWebSocketUrl(endpointUrl),
        lazy: true,
        connectionParams: () => latestHeaders,
      })
    : undefined;
  const fetcher = createGraphiQLFetcher({ url: endpointUrl, wsClient });
  return (graphQLParams, options) => {
    latestHeaders = (options && options.headers) || {};
    return fetcher(graphQLParams, options);
  };
}

// The query and variables live in the URL (?q=...&variables=...) so a query can be shared as a
// link. Headers are deliberately left out: they usually carry tokens.
function readSharedState() {
  const params = new URLSearchParams(window.location.search);
  return { query: params.get('q') ?? undefined, variables: params.get('variables') ?? undefined };
}

function writeSharedState(key, value) {
  const params = new URLSearchParams(window.location.search);
  if (value) {
    params.set(key, value);
  } else {
    params.delete(key);
  }
  const search = params.toString();
  window.history.replaceState(null, '', search ? `?${search}` : window.location.pathname);
}

function mount() {
  const config = readConfig();
  const endpointUrl = new URL(config.endpoint, window.location.href).toString();
  const shared = readSharedState();
  const root = createRoot(document.getElementById('graphiql'));
  root.render(
    createElement(GraphiQL, {
      fetcher: createFetcher(endpointUrl, config.subscriptions),
      defaultQuery: config.defaultQuery,
      query: shared.query,
      variables: shared.variables,
      onEditQuery: (query) => writeSharedState('q', query),
      onEditVariables: (variables) => writeSharedState('variables', variables),
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
      defaultEditorToolsVisibility: true,
    }),
  );
}

mount();
