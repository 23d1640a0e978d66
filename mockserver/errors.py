"""The two error families of the mock.

    Exception
     ├── ApiError             an answer on the wire, in one API's own envelope
     │    ├── KlayraiError    {"error": {"code", "message", "param"?, "request_id"}}
     │    └── GraphError      {"error": {"message", "type", "code", "error_subcode"?, ..., "fbtrace_id"}}
     └── MockServerError      a start-up problem (bad world or scenario file): printed, never served

Each error renders its own envelope and headers here, and nowhere else.
"""

from __future__ import annotations

import re
from typing import Any

Json = dict[str, Any]
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class MockServerError(Exception):
    """A configuration or data problem that stops the server before it serves anything."""


class ApiError(Exception):
    """An error answer; `headers` are added to the API's common headers."""

    status: int
    message: str
    headers: dict[str, str]

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def body(self, trace: str) -> Json:
        raise NotImplementedError

    def error_headers(self) -> dict[str, str]:
        return dict(self.headers)


KLAYRAI_STATUS = {
    "invalid_request": 400,
    "authentication_error": 401,
    "plan_insufficient": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "rate_limit_error": 429,
    "api_error": 500,
}


class KlayraiError(ApiError):
    def __init__(
        self,
        code: str,
        message: str,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(status or KLAYRAI_STATUS[code], message, headers)
        self.code = code
        self.param = param

    def body(self, trace: str) -> Json:
        error: Json = {"code": self.code, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        error["request_id"] = trace
        return {"error": error}

    @classmethod
    def missing_key(cls) -> KlayraiError:
        return cls("authentication_error", "Missing API key. Send it in the x-api-key header.")

    @classmethod
    def from_body(cls, body: Json) -> KlayraiError:
        error = body["error"]
        return cls(error["code"], error["message"], error.get("param"))


class GraphError(ApiError):
    def __init__(
        self,
        code: int,
        message: str,
        *,
        type: str = "OAuthException",
        subcode: int | None = None,
        is_transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status or graph_status(code), message, headers)
        self.code = code
        self.type = type
        self.subcode = subcode
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg

    def body(self, trace: str) -> Json:
        error: Json = {"message": self.message, "type": self.type, "code": self.code}
        optional = {
            "error_subcode": self.subcode,
            "is_transient": self.is_transient,
            "error_user_title": self.user_title,
            "error_user_msg": self.user_msg,
        }
        error.update({key: value for key, value in optional.items() if value is not None})
        error["fbtrace_id"] = trace
        return {"error": error}

    def error_headers(self) -> dict[str, str]:
        message = CONTROL_CHARS.sub(" ", self.message).replace('"', "'")
        return {**self.headers, "WWW-Authenticate": f'OAuth "Facebook Platform" "{self.www_word()}" "{message}"'}

    def www_word(self) -> str:
        if self.status >= 500:
            return "unknown_error"
        return {190: "invalid_token", 200: "insufficient_scope"}.get(self.code, "invalid_request")

    @classmethod
    def from_body(cls, body: Json, status: int) -> GraphError:
        error = body["error"]
        return cls(
            error["code"],
            error["message"],
            type=error["type"],
            subcode=error.get("error_subcode"),
            is_transient=error.get("is_transient"),
            user_title=error.get("error_user_title"),
            user_msg=error.get("error_user_msg"),
            status=status,
        )

    # The errors the behaviour raises, named after what went wrong.
    @classmethod
    def invalid_parameter(cls, message: str) -> GraphError:
        return cls(100, f"(#100) {message}")

    @classmethod
    def token_required(cls) -> GraphError:
        return cls(104, "An access token is required to request this resource.")

    @classmethod
    def unsupported_request(cls, object_id: str, verb: str) -> GraphError:
        return cls(
            100,
            f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api",
            type="GraphMethodException",
            subcode=33,
        )

    @classmethod
    def unknown_path(cls, components: str) -> GraphError:
        return cls(2500, f"Unknown path components: {components}")

    @classmethod
    def unknown_error(cls) -> GraphError:
        return cls(1, "An unknown error has occurred.", is_transient=True)


def gateway_error(api: str, status: int, message: str) -> ApiError:
    """The validating proxy's own 502/504 (no answer from the upstream, or an answer that broke the contract under
    `--strict`), in the API's envelope: KlayrAI `api_error`, Graph code 1 (transient, as Graph's unknown error)."""
    if api == "klayrai":
        return KlayraiError("api_error", message, status=status)
    return GraphError(1, message, is_transient=True, status=status)


def limit_error(api: str, message: str) -> ApiError:
    """A request over one of the mock's limits (`mockserver.http.limits`), in the API's envelope: KlayrAI
    `invalid_request`, Graph code 100; a client error, never a transient one."""
    if api == "klayrai":
        return KlayraiError("invalid_request", message)
    return GraphError.invalid_parameter(message)


def graph_status(code: int) -> int:
    """HTTP status of a Graph error code: 403 for permissions, 500 for the unknown server error, else 400."""
    return {200: 403, 1: 500}.get(code, 400)


def detached(error: ApiError) -> ApiError:
    """The error without traceback or context. Kept in the frame that caught it, those would make a reference cycle
    (frame -> error -> traceback -> frame) per error answer, left to the cyclic garbage collector."""
    error.__context__ = error.__cause__ = None
    return error.with_traceback(None)
