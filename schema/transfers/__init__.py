"""Package transfers between publishers: types, queries and mutations."""
