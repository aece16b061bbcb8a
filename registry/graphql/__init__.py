"""GraphQL over HTTP and WebSocket: the transport around the schema in `schema/`.

Everything that knows about requests, sockets, bearer tokens, rate-limit budgets and multipart
bodies lives here; the schema's resolvers see only their `GraphQLContext`.
"""
