"""Code emission: service documents -> files under generated/."""
