"""A test-only app with an outbox consumer whose effects the outbox tests count."""
