"""Replay storage: the key layout, the directory backend, and S3 against moto's local server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from evoladder.store.replay_storage import (
    DirectoryStorage,
    ReplayNotStored,
    ReplayStorage,
    S3Storage,
    StorageError,
    check_key,
    open_replay_storage,
    replay_key,
)

DIGEST = "0123456789abcdef" * 8  # a blake2b hex digest is 128 characters
WHEN = datetime(2025, 11, 3, 23, 30, tzinfo=UTC)
KEY = replay_key(42, DIGEST, WHEN)
DATA = b"MPQ\x1b" + bytes(range(256)) * 64


def test_key_layout_is_year_month_match_hash() -> None:
    assert replay_key(42, DIGEST, WHEN) == f"2025/11/42/{DIGEST}.SC2Replay"
    # the month is the UTC one: 00:30 on Dec 1st in UTC+2 is still November in UTC
    late = datetime(2025, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert replay_key(7, DIGEST.upper(), late) == f"2025/11/7/{DIGEST}.SC2Replay"


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "/2025/11/42/abcdef0123456789.SC2Replay",
        "2025/11/42/../../x.SC2Replay",
        "2025/11/42/플레이어.SC2Replay",
        "2025/11/42/abcdef0123456789.exe",
        "2025/11/name/abcdef0123456789.SC2Replay",
    ],
)
def test_anything_but_the_layout_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a replay storage key"):
        check_key(key)


def test_configuration_strings() -> None:
    assert isinstance(open_replay_storage("./data/replays"), DirectoryStorage)
    file_url = open_replay_storage("file:///srv/replays%20x")
    assert isinstance(file_url, DirectoryStorage) and file_url.root == Path("/srv/replays x")
    s3 = open_replay_storage("s3://ladder/replays/?endpoint_url=http://127.0.0.1:9000&region=eu-1")
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.endpoint_url, s3.region) == (
        "ladder", "replays", "http://127.0.0.1:9000", "eu-1")
    with pytest.raises(StorageError, match="credentials"):
        open_replay_storage("s3://key:secret@ladder/replays")
    with pytest.raises(StorageError, match="unknown s3 storage option"):
        open_replay_storage("s3://ladder?acl=public")
    with pytest.raises(StorageError, match="not supported"):
        open_replay_storage("ftp://host/replays")
    with pytest.raises(StorageError, match="empty"):
        open_replay_storage("  ")
    with pytest.raises(StorageError, match="bucket"):
        open_replay_storage("s3:///prefix")


async def roundtrip(storage: ReplayStorage) -> None:
    assert not await storage.exists(KEY)
    with pytest.raises(ReplayNotStored):
        await storage.get(KEY)
    await storage.put(KEY, DATA)
    assert await storage.exists(KEY)
    assert await storage.get(KEY) == DATA
    await storage.put(KEY, DATA)  # the same bytes again: idempotent
    assert await storage.get(KEY) == DATA
    with pytest.raises(ValueError, match="not a replay storage key"):
        await storage.put("../escape.SC2Replay", DATA)


async def test_directory_storage(tmp_path: Path) -> None:
    root = tmp_path / "리플레이 files"  # the root may be anything; keys are ASCII
    storage = open_replay_storage(str(root))
    await roundtrip(storage)
    stored = root / "2025" / "11" / "42" / f"{DIGEST}.SC2Replay"
    assert stored.read_bytes() == DATA
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary leftovers
    assert "directory" in storage.describe()
    await storage.close()


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
async def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[S3Storage]:
    boto3 = pytest.importorskip("boto3")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    admin = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    bucket = f"replays-{id(admin):x}"
    admin.create_bucket(Bucket=bucket)
    storage = open_replay_storage(f"s3://{bucket}/ladder?endpoint_url={moto_endpoint}")
    assert isinstance(storage, S3Storage)
    try:
        yield storage
    finally:
        await storage.close()


async def test_s3_storage_against_a_local_server(s3: S3Storage) -> None:
    await roundtrip(s3)
    client = await s3._get_client()
    listed = client.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"ladder/{KEY}"]
    assert s3.describe().startswith(f"s3://{s3.bucket}/ladder")


async def test_s3_errors_are_storage_errors(moto_endpoint: str, s3: S3Storage) -> None:
    missing = S3Storage("no-such-bucket", endpoint_url=moto_endpoint)
    with pytest.raises(StorageError, match="no-such-bucket"):
        await missing.put(KEY, DATA)
    await missing.close()
