"""schema: declarative models of the YAML files a user writes (see docs/architecture.md)."""
