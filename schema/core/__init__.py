"""Cross-cutting GraphQL machinery: context, loaders, ids, pagination, errors and protection."""
