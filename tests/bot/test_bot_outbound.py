"""The outbound queue in virtual time: pacing, ordering, 429s, bucket headers, draining.

The queue's timer is a fake whose ``sleep`` advances a counter, so the tests see exactly when
each send would happen without waiting for it; nothing here depends on real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import pytest
from botfakes import VirtualTimer

from evoladder.bot.outbound import (
    Outbound,
    Priority,
    RetryAfter,
    bucket_of_path,
    channel_bucket,
    user_bucket,
)


class Recorder:
    """Actions that record (virtual time, name) when they 'reach Discord'."""

    def __init__(self, timer: VirtualTimer) -> None:
        self.timer = timer
        self.sent: list[tuple[float, str]] = []

    def action(self, name: str, *failures: BaseException) -> Callable[[], Awaitable[str]]:
        pending = list(failures)

        async def run() -> str:
            if pending:
                raise pending.pop(0)
            self.sent.append((self.timer.now(), name))
            return name

        return run

    @property
    def names(self) -> list[str]:
        return [name for _, name in self.sent]

    def time_of(self, name: str) -> float:
        return next(t for t, n in self.sent if n == name)


def make(rate: float = 40.0, burst: int = 10, **kwargs: Any) -> tuple[Outbound, VirtualTimer, Recorder]:
    timer = VirtualTimer()
    return Outbound(rate=rate, burst=burst, timer=timer, **kwargs), timer, Recorder(timer)


class FakeResponse:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = "test"
        self.headers = headers or {}


async def test_paced_under_the_global_limit() -> None:
    outbound, _, rec = make(rate=40.0, burst=10)
    outbound.start()
    futures = [outbound.submit(rec.action(f"m{i}"), bucket=f"channel:{i}", kind="dm") for i in range(200)]
    results = await asyncio.gather(*futures)
    assert all(r.ok for r in results)
    times = [t for t, _ in rec.sent]
    assert len(times) == 200
    # a token bucket of 40/s with a burst of 10 allows at most 50 sends in any one second
    assert all(times[i + 50] - times[i] >= 1.0 - 1e-9 for i in range(len(times) - 50))
    assert times[-1] >= (200 - 10) / 40 - 1e-9
    await outbound.close()


async def test_one_bucket_keeps_submission_order_and_priorities_pick_between_buckets() -> None:
    outbound, _, rec = make(rate=1000.0, burst=1)
    # Submit before starting, so the dispatcher chooses among everything at once.
    for i in range(3):
        outbound.submit(rec.action(f"a{i}"), bucket="user:1", kind="dm", priority=Priority.BULK)
    outbound.submit(rec.action("urgent"), bucket="user:2", kind="dm", priority=Priority.URGENT)
    done = outbound.submit(rec.action("normal"), bucket="user:3", kind="dm", priority=Priority.NORMAL)
    outbound.start()
    await done
    await outbound.close()
    assert rec.names[0] == "urgent"
    assert rec.names.index("normal") < rec.names.index("a0")
    assert [n for n in rec.names if n.startswith("a")] == ["a0", "a1", "a2"]


async def test_a_429_waits_retry_after_while_other_buckets_go_on() -> None:
    outbound, _, rec = make(rate=1000.0, burst=100)
    outbound.start()
    limited = outbound.submit(
        rec.action("edit", RetryAfter(2.0)), bucket="channel:1", kind="edit", idempotent=True
    )
    after = outbound.submit(rec.action("same-channel"), bucket="channel:1", kind="dm")
    other = outbound.submit(rec.action("other"), bucket="channel:2", kind="dm")
    assert (await other).ok
    delivery = await limited
    assert delivery.ok and delivery.attempts == 2
    await after
    assert rec.time_of("other") < 2.0
    assert rec.time_of("edit") >= 2.0
    assert rec.names.index("edit") < rec.names.index("same-channel")  # order kept in the bucket
    assert outbound.stats.retried == 1
    await outbound.close()


async def test_discord_py_rate_limit_errors_are_retried_after_their_delay() -> None:
    outbound, _, rec = make(rate=1000.0, burst=100)
    outbound.start()
    response = FakeResponse(429, {"Retry-After": "3.5"})
    gave_up = discord.HTTPException(response, {"message": "rate limited", "code": 0})  # type: ignore[arg-type]
    first = outbound.submit(rec.action("a", discord.RateLimited(31.0)), bucket="channel:1", kind="dm")
    second = outbound.submit(rec.action("b", gave_up), bucket="channel:2", kind="dm")
    assert (await first).ok and (await second).ok
    assert rec.time_of("a") >= 31.0
    assert rec.time_of("b") >= 3.5
    await outbound.close()


async def test_a_global_429_seen_by_the_http_trace_pauses_everything() -> None:
    outbound, _, rec = make(rate=1000.0, burst=100)
    outbound.observe(
        "POST", "/api/v10/channels/9/messages", 429, {"X-RateLimit-Scope": "global", "Retry-After": "5"}
    )
    outbound.start()
    results = await asyncio.gather(
        *(outbound.submit(rec.action(f"m{i}"), bucket=f"channel:{i}", kind="dm") for i in range(5))
    )
    assert all(r.ok for r in results)
    assert min(t for t, _ in rec.sent) >= 5.0
    await outbound.close()


async def test_an_exhausted_bucket_from_the_headers_parks_only_that_channel() -> None:
    outbound, _, rec = make(rate=1000.0, burst=100)
    outbound.observe(
        "PATCH",
        "/api/v10/channels/7/messages/1",
        200,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.5"},
    )
    outbound.start()
    parked = outbound.submit(rec.action("parked"), bucket=channel_bucket(7), kind="edit")
    free = outbound.submit(rec.action("free"), bucket=channel_bucket(8), kind="edit")
    await asyncio.gather(parked, free)
    assert rec.time_of("free") < 1.5 <= rec.time_of("parked")
    await outbound.close()


async def test_headers_of_a_dm_channel_park_the_users_bucket_once_aliased() -> None:
    outbound, _, rec = make(rate=1000.0, burst=100)
    outbound.alias(channel_bucket(55), user_bucket(5))
    outbound.observe("POST", "/api/v10/channels/55/messages", 429, {"Retry-After": "2"})
    outbound.start()
    await outbound.submit(rec.action("dm"), bucket=user_bucket(5), kind="dm")
    assert rec.time_of("dm") >= 2.0
    await outbound.close()


async def test_server_errors_are_retried_only_for_idempotent_actions() -> None:
    outbound, _, rec = make(rate=1000.0, burst=100)
    outbound.start()
    boom = discord.DiscordServerError(FakeResponse(503), "unavailable")  # type: ignore[arg-type]
    edit = outbound.submit(rec.action("edit", boom), bucket="channel:1", kind="edit", idempotent=True)
    boom2 = discord.DiscordServerError(FakeResponse(503), "unavailable")  # type: ignore[arg-type]
    send = outbound.submit(rec.action("send", boom2), bucket="channel:2", kind="dm")
    edited, sent = await edit, await send
    assert edited.ok and edited.attempts == 2
    assert not sent.ok and sent.attempts == 1 and isinstance(sent.error, discord.DiscordServerError)
    assert rec.names == ["edit"]  # the new message was not posted twice (nor at all)
    await outbound.close()


async def test_closed_dms_are_a_failed_delivery_not_an_exception() -> None:
    outbound, _, rec = make()
    outbound.start()
    forbidden = discord.Forbidden(FakeResponse(403), {"message": "Cannot send", "code": 50007})  # type: ignore[arg-type]
    delivery = await outbound.submit(rec.action("dm", forbidden), bucket="user:1", kind="dm")
    assert not delivery.ok and isinstance(delivery.error, discord.Forbidden)
    assert outbound.stats.failed == 1 and outbound.stats.retried == 0
    await outbound.close()


async def test_then_runs_after_success_and_its_failure_does_not_resend() -> None:
    outbound, _, rec = make()
    outbound.start()
    seen: list[str] = []

    async def remember(value: Any) -> None:
        seen.append(value)
        raise RuntimeError("database down")

    delivery = await outbound.submit(rec.action("dm"), bucket="user:1", kind="dm", then=remember)
    assert delivery.ok and seen == ["dm"] and rec.names == ["dm"]
    await outbound.close()


async def test_close_drains_everything_queued_and_refuses_new_jobs() -> None:
    outbound, _, rec = make(rate=40.0, burst=10)
    outbound.start()
    futures = [outbound.submit(rec.action(f"m{i}"), bucket=f"user:{i % 7}", kind="dm") for i in range(100)]
    lost = await outbound.close()
    assert lost == 0
    assert len(rec.sent) == 100 and all(f.done() and f.result().ok for f in futures)
    late = await outbound.submit(rec.action("late"), bucket="user:1", kind="dm")
    assert not late.ok and "late" not in rec.names


async def test_close_gives_up_after_its_grace_and_counts_what_was_lost() -> None:
    outbound, _, rec = make()
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    outbound.start()
    outbound.submit(stuck, bucket="user:1", kind="dm")
    waiting = outbound.submit(rec.action("behind"), bucket="user:1", kind="dm")
    lost = await outbound.close(grace=0.01)
    assert lost == 1
    assert not (await waiting).ok


@pytest.mark.parametrize(
    ("path", "bucket"),
    [
        ("/api/v10/channels/123/messages", "channel:123"),
        ("/api/v10/channels/123/messages/456", "channel:123"),
        ("/api/v10/interactions/1/tok/callback", None),
        ("/api/v10/users/@me/channels", None),
    ],
)
def test_route_buckets(path: str, bucket: str | None) -> None:
    assert bucket_of_path(path) == bucket


async def test_a_job_waiting_for_its_pacing_token_at_the_deadline_is_counted_as_lost() -> None:
    class StuckTimer(VirtualTimer):
        async def sleep(self, seconds: float) -> None:
            await asyncio.Event().wait()  # time never comes

    timer = StuckTimer()
    outbound = Outbound(rate=1.0, burst=1, timer=timer)
    rec = Recorder(timer)
    outbound.start()
    first = outbound.submit(rec.action("first"), bucket="user:1", kind="dm")
    second = outbound.submit(rec.action("second"), bucket="user:2", kind="dm")
    assert (await first).ok
    lost = await outbound.close(grace=0.01)
    assert lost == 1 and not (await second).ok and rec.names == ["first"]
