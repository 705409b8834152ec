"""Identity resolution over the stored records: incremental linking after each import, full
re-linking, manual corrections, person views and export. Services never commit.

- :mod:`~hub.persons.service.linking`: :func:`link_records` (the post-import hook),
  :func:`relink_all`;
- :mod:`~hub.persons.service.corrections`: :func:`merge_persons`, :func:`detach_record`;
- :mod:`~hub.persons.service.reading`: :func:`get_person_or_raise`, :func:`export_links`,
  :func:`resolve_person`, :func:`create_person_for_record`.
"""

from hub.persons.service.corrections import detach_record, merge_persons
from hub.persons.service.linking import (
    KEY_PURPOSE,
    LinkOutcome,
    Progress,
    link_records,
    relink_all,
)
from hub.persons.service.reading import (
    create_person_for_record,
    export_links,
    get_person_or_raise,
    resolve_person,
)

__all__ = [
    "KEY_PURPOSE",
    "LinkOutcome",
    "Progress",
    "create_person_for_record",
    "detach_record",
    "export_links",
    "get_person_or_raise",
    "link_records",
    "merge_persons",
    "relink_all",
    "resolve_person",
]
