"""``decrocheurs``: PSAD lists of school dropouts exported from RIO (SIEI campaigns)."""

from connectors.decrocheurs.mapping import COLUMNS, NAME, REFERENCE_PROFILE, map_row
from connectors.reading import TabularConnector

connector = TabularConnector(
    name=NAME,
    description="PSAD school-dropout lists exported from RIO (SIEI campaigns), CSV or XLSX",
    reference_profile=REFERENCE_PROFILE,
    map_row=map_row,
    sample=(__name__, "sample.csv"),
)

__all__ = ["COLUMNS", "NAME", "REFERENCE_PROFILE", "connector", "map_row"]
