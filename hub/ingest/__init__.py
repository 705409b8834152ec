"""Ingest: drives the connectors, stores source records (encrypted), import runs and the
quarantine; ``hub import`` and ``POST /v1/imports/{source}``."""
