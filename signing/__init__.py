"""Digital signatures (ký số): keys and certificates, stamps, PAdES signing,
timestamps, validation."""
