"""What can stop a poll. Messages never quote a response body (it may hold personal data):
only the request, the status and the number of attempts."""

from __future__ import annotations


class FeedError(Exception):
    """The feed could not be read or acknowledged; the consumer stops without moving its cursor.

    ``retryable`` tells whether a later poll may succeed without anyone acting (outage, rate
    limit) or whether an operator must act (key refused, wrong URL, malformed page)."""

    retryable: bool = False


class FeedUnavailableError(FeedError):
    """5xx, 429, timeouts or connection errors until the attempts ran out."""

    retryable = True


class FeedRefusedError(FeedError):
    """The feed answered with a 4xx status other than 429 (or an unexpected redirect)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class FeedProtocolError(FeedError):
    """A response that does not follow the feed's documented shape (e.g. a page that is not
    JSON); no event of it can be located, so none is consumed."""
