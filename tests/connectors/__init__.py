"""Tests of the connectors package (pure: no hub)."""
