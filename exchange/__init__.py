"""The national exchange: files to and from the national monitoring system (docs/exchange.md)."""
