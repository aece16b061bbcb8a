"""Registry API tokens: types and mutations (listing is `me.tokens`)."""
