"""Exports partners rely on (CONTRACT.md): ads and networks as JSON Lines."""
