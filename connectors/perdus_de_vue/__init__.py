"""``perdus-de-vue``: Mission Locale (i-milo) extracts of lost contacts."""

from connectors.perdus_de_vue.mapping import COLUMNS, NAME, REFERENCE_PROFILE, map_row
from connectors.reading import TabularConnector

connector = TabularConnector(
    name=NAME,
    description="Mission Locale lost contacts (i-milo extract), CSV or XLSX",
    reference_profile=REFERENCE_PROFILE,
    map_row=map_row,
    sample=(__name__, "sample.csv"),
)

__all__ = ["COLUMNS", "NAME", "REFERENCE_PROFILE", "connector", "map_row"]
