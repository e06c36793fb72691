"""User-facing Chinese texts, one module per feature. Builders escape user strings."""
