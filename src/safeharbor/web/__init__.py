"""The web app: the public side at `/` and the analyst workspace, one FastAPI application."""
