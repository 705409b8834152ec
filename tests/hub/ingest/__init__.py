"""Tests of hub.ingest: import runs, stored records, quarantine, CLI and HTTP."""
