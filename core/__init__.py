"""Core: transactional outbox and relay, hash-chained audit, content-addressed blob
store."""
