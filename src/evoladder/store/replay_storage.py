"""Where replay files live: a directory (the default) or S3-compatible object storage.

Both backends sit behind one async protocol, ``ReplayStorage`` (``put``, ``get``, ``exists``,
``close``). Blocking work (file writes, boto3 calls) runs in a thread, so the event loop never
waits on a disk or the network.

Key layout (stable, ASCII only, no user-provided names)::

    YYYY/MM/<match_id>/<blake2b hex>.SC2Replay        e.g. 2025/11/42/3f9a...e1.SC2Replay

The year and month are the upload's (UTC), the match id is the ladder's integer id and the file
name is the content hash, so a player's name (Korean, Cyrillic, emoji) never reaches a path, two
uploads of the same bytes share a key, and a listing by month is cheap for an operator's cleanup.
Keys are validated before any backend sees them (no ``..``, no absolute paths).

Configuration (``EVOLADDER_REPLAY_STORAGE``), one string:

- a filesystem path, ``./data/replays`` (the default) or ``file:///srv/replays``: a directory,
  created on first write; files are written to a temporary name and renamed, so a crash never
  leaves half a replay under a real key;
- ``s3://bucket/optional/prefix?endpoint_url=https://s3.example.com&region=eu-central-1``: S3 or
  any S3-compatible service (MinIO, R2, Backblaze B2...). ``endpoint_url`` and ``region`` are
  optional. Credentials never go in this string (it is logged): boto3 reads them from its usual
  places, ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` or an instance role. The S3 backend
  needs boto3 (``pip install 'evoladder[s3]'``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from evoladder.logging_setup import event

log = logging.getLogger(__name__)

T = TypeVar("T")

REPLAY_SUFFIX = ".SC2Replay"
_KEY = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]+/[0-9a-f]{16,128}\.SC2Replay")
_S3_OPTIONS = {"endpoint_url", "region"}


class StorageError(Exception):
    """The storage could not be configured or reached; the message is safe to log."""


class ReplayNotStored(StorageError, KeyError):
    """No replay is stored under the key."""


class ReplayStorage(Protocol):
    """What the replay service needs from a storage backend."""

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the file under ``key``; nothing stored there is not an error."""
        ...

    async def close(self) -> None: ...

    def describe(self) -> str: ...


def replay_key(match_id: int, digest: str, uploaded_at: datetime) -> str:
    """The storage key of a replay (see the module doc); ``uploaded_at`` is taken in UTC."""
    if match_id < 0:
        raise ValueError("match id must not be negative")
    moment = uploaded_at.astimezone(UTC) if uploaded_at.tzinfo else uploaded_at
    key = f"{moment:%Y}/{moment:%m}/{match_id}/{digest.lower()}{REPLAY_SUFFIX}"
    return check_key(key)


def check_key(key: str) -> str:
    """``key`` if it has the replay layout, else ``ValueError`` (nothing else reaches a backend)."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a replay storage key: {key!r}")
    return key


def open_replay_storage(spec: str) -> ReplayStorage:
    """The backend for a configuration string (see the module doc)."""
    text = spec.strip()
    if not text:
        raise StorageError("replay storage is empty: give a directory or an s3:// URL")
    if text.startswith("s3://"):
        return _s3_from_url(text)
    if text.startswith("file://"):
        return DirectoryStorage(Path(unquote(urlsplit(text).path)))
    if "://" in text:
        raise StorageError(f"replay storage scheme not supported: {text.split('://', 1)[0]}://")
    return DirectoryStorage(Path(text))


class DirectoryStorage:
    """Replays as files under ``root``, written atomically (temporary file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"directory {self.root}"

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)
        event(log, "replay_storage.put", backend="directory", key=key, bytes=len(data))

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ReplayNotStored(key) from None

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)
        event(log, "replay_storage.deleted", backend="directory", key=key)

    async def close(self) -> None:
        return None

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class S3Storage:
    """Replays as objects in an S3-compatible bucket; boto3 calls run in a thread.

    One client is created on first use and shared (boto3 clients are thread-safe; sessions are
    not, so the session is used once, to build it).
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise StorageError("s3 replay storage needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = client
        self._client_lock = asyncio.Lock()

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    async def put(self, key: str, data: bytes) -> None:
        client = await self._get_client()
        await self._call(
            client.put_object, Bucket=self.bucket, Key=self._object(key), Body=data,
            ContentType="application/octet-stream",
        )
        event(log, "replay_storage.put", backend="s3", bucket=self.bucket, key=key, bytes=len(data))

    async def get(self, key: str) -> bytes:
        client = await self._get_client()
        name = self._object(key)

        def read() -> bytes:
            try:
                response = client.get_object(Bucket=self.bucket, Key=name)
            except Exception as exc:
                if _s3_not_found(exc):
                    raise ReplayNotStored(key) from None
                raise
            body: bytes = response["Body"].read()
            return body

        return await self._call(read)

    async def exists(self, key: str) -> bool:
        client = await self._get_client()
        name = self._object(key)

        def head() -> bool:
            try:
                client.head_object(Bucket=self.bucket, Key=name)
            except Exception as exc:
                if _s3_not_found(exc):
                    return False
                raise
            return True

        return await self._call(head)

    async def delete(self, key: str) -> None:
        client = await self._get_client()
        await self._call(client.delete_object, Bucket=self.bucket, Key=self._object(key))
        event(log, "replay_storage.deleted", backend="s3", bucket=self.bucket, key=key)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and hasattr(client, "close"):
            await asyncio.to_thread(client.close)

    def _object(self, key: str) -> str:
        checked = check_key(key)
        return f"{self.prefix}/{checked}" if self.prefix else checked

    async def _get_client(self) -> Any:
        async with self._client_lock:
            if self._client is None:
                self._client = await asyncio.to_thread(self._make_client)
            return self._client

    def _make_client(self) -> Any:
        try:
            import boto3
        except ImportError:
            raise StorageError(
                "s3 replay storage needs boto3: pip install 'evoladder[s3]'"
            ) from None
        session = boto3.session.Session()
        return session.client("s3", endpoint_url=self.endpoint_url, region_name=self.region)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except StorageError:
            raise
        except Exception as exc:
            # boto3/botocore errors carry no secrets in their text; keep the type for the logs.
            raise StorageError(f"s3 {self.bucket}: {type(exc).__name__}: {exc}") from exc


def _s3_not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


def _s3_from_url(spec: str) -> S3Storage:
    parts = urlsplit(spec)
    if parts.username or parts.password:
        raise StorageError("put S3 credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                           "not in the storage URL")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - _S3_OPTIONS
    if unknown:
        raise StorageError(f"unknown s3 storage option(s): {', '.join(sorted(unknown))}")
    return S3Storage(
        parts.hostname or "",
        unquote(parts.path),
        endpoint_url=query.get("endpoint_url"),
        region=query.get("region"),
    )
