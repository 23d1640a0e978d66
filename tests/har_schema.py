"""A small HAR 1.2 JSON schema (the required fields and their types, as far as the project writes them), for the
tests of every HAR the mock and the proxy produce."""

from __future__ import annotations

from typing import Any

import jsonschema

PAIR = {"type": "object", "required": ["name", "value"], "properties": {"name": {"type": "string"}}}
PAIRS = {"type": "array", "items": PAIR}
# HAR 1.2's required fields and their types (http://www.softwareishard.com/blog/har-12-spec/), as far as we use them.
HAR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["version", "creator", "entries"],
            "properties": {
                "version": {"const": "1.2"},
                "creator": {
                    "type": "object",
                    "required": ["name", "version"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
                },
                "entries": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
            },
        }
    },
    "$defs": {
        "entry": {
            "type": "object",
            "required": ["startedDateTime", "time", "request", "response", "cache", "timings"],
            "properties": {
                "startedDateTime": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"},
                "time": {"type": "number", "minimum": 0},
                "request": {"$ref": "#/$defs/request"},
                "response": {"$ref": "#/$defs/response"},
                "timings": {
                    "type": "object",
                    "required": ["send", "wait", "receive"],
                    "properties": {n: {"type": "number"} for n in ("send", "wait", "receive")},
                },
            },
        },
        "request": {
            "type": "object",
            "required": [
                "method",
                "url",
                "httpVersion",
                "cookies",
                "headers",
                "queryString",
                "headersSize",
                "bodySize",
            ],
            "properties": {
                "method": {"type": "string"},
                "url": {"type": "string", "pattern": "^https?://"},
                "httpVersion": {"type": "string"},
                "cookies": {"type": "array"},
                "headers": PAIRS,
                "queryString": PAIRS,
                "headersSize": {"type": "integer"},
                "bodySize": {"type": "integer"},
                "postData": {
                    "type": "object",
                    "required": ["mimeType", "text"],
                    "properties": {"mimeType": {"type": "string"}, "text": {"type": "string"}},
                },
            },
        },
        "response": {
            "type": "object",
            "required": [
                "status",
                "statusText",
                "httpVersion",
                "cookies",
                "headers",
                "content",
                "redirectURL",
                "headersSize",
                "bodySize",
            ],
            "properties": {
                "status": {"type": "integer"},
                "statusText": {"type": "string"},
                "headers": PAIRS,
                "content": {
                    "type": "object",
                    "required": ["size", "mimeType"],
                    "properties": {
                        "size": {"type": "integer"},
                        "mimeType": {"type": "string"},
                        "text": {"type": "string"},
                    },
                },
                "redirectURL": {"type": "string"},
                "headersSize": {"type": "integer"},
                "bodySize": {"type": "integer"},
            },
        },
    },
}


def valid_har(document: Any) -> dict[str, Any]:
    jsonschema.validate(document, HAR_SCHEMA)
    return document
