"""Settings split by environment: base, dev (make run), test (make test), production."""
