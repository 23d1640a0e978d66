"""Concurrent calls of one script go to Redis as one call (`mockserver.state.redis_together`), each caller with
its own answer: on a real `redis-server`."""

from __future__ import annotations

import asyncio
import re

import pytest

from mockserver.state import scripts
from mockserver.state.interface import StateUnavailable
from mockserver.state.redis_link import Link
from tests.redis_server import RedisServer

KEYS = ["t:epoch", "t:gen", "t:log", "t:seen"]


def count_args(link: Link, deadline: int | None = None, rules: tuple[str, ...] = ("rule",)) -> list[object]:
    return [link.deadline() if deadline is None else deadline, "e1", "0", "e1", len(rules), *rules]


async def counted(url: str, deadlines: list[int | None]) -> tuple[list[object], int]:
    link = Link(url, timeout=2.0)
    await link.connect()
    await link.call("FLUSHDB")
    await link.call("SET", "t:epoch", "e1")
    await link.call("CONFIG", "RESETSTAT")
    calls = [link.script(scripts.COUNT, KEYS, count_args(link, d), together=True) for d in deadlines]
    answers = await asyncio.gather(*calls, return_exceptions=True)
    stats = await link.call("INFO", "commandstats")
    commands = sum(int(found) for found in re.findall(r"cmdstat_eval(?:sha)?:calls=(\d+)", stats))
    await link.close()
    return answers, commands


def test_twenty_concurrent_counts_go_as_one_call_and_each_get_their_own_hit(redis_server: RedisServer) -> None:
    answers, commands = asyncio.run(counted(redis_server.url(), [None] * 20))
    hits = sorted(answer[3][0] for answer in answers)  # type: ignore[index]
    assert hits == list(range(1, 21)) and commands == 1  # one script call carried the twenty


def test_a_call_past_its_deadline_fails_alone(redis_server: RedisServer) -> None:
    answers, _ = asyncio.run(counted(redis_server.url(), [None, 1, None]))
    assert isinstance(answers[1], StateUnavailable)
    assert [answer[3] for answer in (answers[0], answers[2])] == [[1], [2]]  # type: ignore[index]


@pytest.mark.parametrize("calls", [1, 7])
def test_the_answers_keep_the_callers_order(redis_server: RedisServer, calls: int) -> None:
    answers, _ = asyncio.run(counted(redis_server.url(), [None] * calls))
    assert [answer[3][0] for answer in answers] == list(range(1, calls + 1))  # type: ignore[index]
