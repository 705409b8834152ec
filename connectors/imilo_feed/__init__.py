"""``imilo-feed``: pull connector for a Mission Locale operator event feed (i-milo style).

Pure: it gets an ``httpx.Client``, the feed's base URL, its API key and a cursor, and returns
the page's rows (records or row errors), the event ids to acknowledge once they are stored
and the next cursor. Persistence, acknowledgement timing and the cursor's storage are the
hub's (``hub/feeds``). The feed it supports is defined in this package's README.md.
"""

from connectors.imilo_feed.client import (
    ACK_PATH,
    API_KEY_HEADER,
    EVENTS_PATH,
    AckResult,
    ImiloFeedClient,
    RetryPolicy,
    parse_retry_after,
)
from connectors.imilo_feed.connector import ImiloFeedConnector, connector
from connectors.imilo_feed.errors import (
    FeedError,
    FeedProtocolError,
    FeedRefusedError,
    FeedUnavailableError,
)
from connectors.imilo_feed.events import (
    DOSSIER_FIELDS,
    EVENT_TYPES,
    SOURCE,
    FeedPage,
    map_event,
    parse_page,
)

__all__ = [
    "ACK_PATH",
    "API_KEY_HEADER",
    "DOSSIER_FIELDS",
    "EVENTS_PATH",
    "EVENT_TYPES",
    "SOURCE",
    "AckResult",
    "FeedError",
    "FeedPage",
    "FeedProtocolError",
    "FeedRefusedError",
    "FeedUnavailableError",
    "ImiloFeedClient",
    "ImiloFeedConnector",
    "RetryPolicy",
    "connector",
    "map_event",
    "parse_page",
    "parse_retry_after",
]
