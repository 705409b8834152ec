"""HTTP and command-line surface of the consent registry and the GDPR rights (``consent``).

Importing it registers the consent post-import hook: an import that brings back a record of
an erased person is flagged for the DPO (:func:`consent.erasure.flag_reimports`).
"""

from consent.erasure import flag_reimports
from hub.ingest.hooks import register_post_import

# After identity resolution, before routing: a flagged record must not be routed silently.
register_post_import(flag_reimports, order=20)
