"""One error family, rendered once as RFC 9457 ``application/problem+json``.

Services raise :class:`HubError` subclasses (never ``HTTPException``); the handlers below turn
them, Starlette's own HTTP errors, validation errors and any unexpected exception into a
problem document. No stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.observability import current_request_id

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://invisibles-hub.example/problems/"

logger = logging.getLogger("hub.errors")


class HubError(Exception):
    """Base of every error a client may see. ``code`` is stable; ``status`` is the HTTP status."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        self.headers = headers or {}


class NotFoundError(HubError):
    status = 404
    code = "not-found"
    title = "Not found"


class ConflictError(HubError):
    status = 409
    code = "conflict"
    title = "Conflict"


class UnprocessableError(HubError):
    status = 422
    code = "unprocessable"
    title = "Unprocessable content"


class UnauthorizedError(HubError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class ForbiddenError(HubError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class TooManyRequestsError(HubError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"


def problem_response(
    status: int,
    *,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _hub_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubError)
    return problem_response(
        exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "Error"
    code = phrase.lower().replace(" ", "-").replace("'", "")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    return problem_response(
        exc.status_code,
        code=code,
        title=phrase,
        detail=detail,
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Echoing the rejected input could reflect personal data back into logs and proxies:
    # report where and why, never the value.
    errors = [
        {
            "location": [str(part) for part in err.get("loc", ())],
            "message": err.get("msg", "invalid"),
            "type": err.get("type", "value_error"),
        }
        for err in exc.errors()
    ]
    return problem_response(
        422,
        code="validation-error",
        title="Request validation failed",
        detail=f"{len(errors)} invalid field(s) in the request",
        instance=request.url.path,
        extra={"errors": errors},
    )


def internal_error_response(path: str) -> JSONResponse:
    return problem_response(
        500,
        code="internal-error",
        title="Internal server error",
        detail="The hub could not complete the request; quote the request id to the operators.",
        instance=path,
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Normally the request middleware answers first; this covers errors raised outside it.
    logger.error(
        "unhandled error",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"route": request.url.path},
    )
    return internal_error_response(request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
