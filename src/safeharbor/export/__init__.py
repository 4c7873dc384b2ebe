"""Exports partners rely on (docs/formats.md): ads and networks as JSON Lines."""
