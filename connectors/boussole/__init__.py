"""``boussole``: contact requests exported from the Boussole des jeunes back office."""

from connectors.boussole.mapping import COLUMNS, NAME, REFERENCE_PROFILE, map_row
from connectors.reading import TabularConnector

connector = TabularConnector(
    name=NAME,
    description="Boussole des jeunes contact requests (back-office export), CSV or XLSX",
    reference_profile=REFERENCE_PROFILE,
    map_row=map_row,
    sample=(__name__, "sample.csv"),
)

__all__ = ["COLUMNS", "NAME", "REFERENCE_PROFILE", "connector", "map_row"]
