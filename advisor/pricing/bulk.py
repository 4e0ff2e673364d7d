"""Read AWS Price List bulk files (static JSON, no credentials) from a URL or a local copy, with bounds.

A source is `https://…` (AWS's own host by default, or a mirror), `http://` only to 127.0.0.1 or
localhost, or a folder holding the same relative paths. Every file is streamed to a temporary file with a
byte limit, a per-read timeout and a deadline for the whole run, so a slow, endless or huge response
fails cleanly instead of filling memory or hanging; then it is decoded as JSON from that file.
"""

from __future__ import annotations

import io
import json
import re
import socket
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from advisor.errors import AdvisorError

DEFAULT_SOURCE = "https://pricing.us-east-1.amazonaws.com"
OFFER_INDEX = "/offers/v1.0/aws/index.json"
# The offer index and the Region indexes are tens of kilobytes; a Region's offer file for Lambda or S3 is
# tens of megabytes. Past these limits a response is not a price file.
MAX_INDEX_BYTES = 16 * 1024 * 1024
MAX_OFFER_BYTES = 512 * 1024 * 1024
# Seconds a connect or a single read may block, and for the whole run (every Region, every service).
READ_TIMEOUT = 30.0
DEADLINE_SECONDS = 1800.0
CHUNK = 1024 * 1024
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Paths the files name for one another: `/offers/v1.0/aws/<code>/<version>/<region>/index.json`.
_PATH = re.compile(r"^/[A-Za-z0-9._/-]+\.json$")


class PriceSourceError(AdvisorError):
    """A bulk price file could not be fetched or is not what AWS publishes; nothing is written."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        Exception.__init__(self, f"{message} ({hint})" if hint else message)

    def lines(self) -> list[str]:
        """The lines to print on stderr."""
        return [f"error: {self.message}"] + ([f"hint: {self.hint}"] if self.hint else [])


class Deadline:
    """A point in time after which no more bytes are read."""

    def __init__(self, seconds: float = DEADLINE_SECONDS) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.end - time.monotonic())

    def check(self, what: str) -> None:
        """Raise when the deadline has passed."""
        if self.remaining() <= 0:
            raise PriceSourceError(f"gave up on {what}: the price update took longer than {self.seconds:g} seconds",
                                   hint="retry later, or use a local copy with --source DIR")


def check_url(url: str) -> None:
    """Refuse anything but https, or http to this machine (a test server or a local mirror)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS:
        return
    raise PriceSourceError(f"refusing price source {url!r}: only https URLs, http to 127.0.0.1 or localhost, "
                           "and local folders are allowed")


class Source:
    """Where the bulk files come from: a base URL or a folder with the same relative paths."""

    def __init__(self, where: str, *, deadline: Deadline | None = None) -> None:
        self.where = where
        self.deadline = deadline or Deadline()
        if where.startswith("file://"):
            where = urlsplit(where).path
        if "://" in where:
            check_url(where)
            self.base_url: str | None = where.rstrip("/")
            self.folder: Path | None = None
        else:
            folder = Path(where)
            if not folder.is_dir():
                raise PriceSourceError(f"price source folder {where} does not exist",
                                       hint="give a folder holding offers/v1.0/aws/index.json, or an https URL")
            self.base_url, self.folder = None, folder.resolve()

    def describe(self, path: str) -> str:
        """The URL or file a path stands for, for messages and sources."""
        return f"{self.base_url}{path}" if self.base_url else f"{self.where.rstrip('/')}{path}"

    def load(self, path: str, *, max_bytes: int) -> Any:
        """Fetch one JSON file by its path (as the indexes name it) and decode it."""
        if not _PATH.match(path) or "/../" in path or "/./" in path:
            raise PriceSourceError(f"a price index names {path!r}, which is not a path to a JSON price file")
        what = self.describe(path)
        with tempfile.TemporaryFile() as spool:
            if self.folder is not None:
                self._copy_file(self.folder / path.lstrip("/"), spool, what, max_bytes)
            else:
                assert self.base_url is not None
                self._download(self.base_url + path, spool, what, max_bytes)
            spool.seek(0)
            return _decode(spool, what)

    def _copy_file(self, target: Path, spool: IO[bytes], what: str, max_bytes: int) -> None:
        try:
            with open(target, "rb") as handle:
                self._pump(handle.read, spool, what, max_bytes)
        except FileNotFoundError:
            raise PriceSourceError(f"{what} does not exist") from None
        except IsADirectoryError:
            raise PriceSourceError(f"{what} is a folder, not a price file") from None
        except OSError as exc:
            raise PriceSourceError(f"cannot read {what}: {exc.strerror}") from None

    def _download(self, url: str, spool: IO[bytes], what: str, max_bytes: int) -> None:
        self.deadline.check(what)
        opener = urllib.request.build_opener(_CheckedRedirects())
        request = urllib.request.Request(url, headers={"User-Agent": "advisor-prices-update",
                                                       "Accept": "application/json"})
        try:
            # The timeout bounds the connect and every single read; the deadline bounds the sum.
            with opener.open(request, timeout=min(READ_TIMEOUT, max(self.deadline.remaining(), 0.1))) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise PriceSourceError(f"{what} is {int(length):,} bytes, more than the {max_bytes:,} allowed")
                self._pump(response.read1, spool, what, max_bytes)
        except PriceSourceError:
            raise
        except urllib.error.HTTPError as exc:
            raise PriceSourceError(f"{what} answered HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise PriceSourceError(f"cannot reach {what}: {exc.reason}",
                                   hint="check the network; the bundled catalog keeps working offline") from None
        except (socket.timeout, TimeoutError):
            raise PriceSourceError(f"{what} did not answer within {READ_TIMEOUT:g} seconds",
                                   hint="retry later, or use a local copy with --source DIR") from None
        except (OSError, ValueError) as exc:  # resets, TLS failures, broken chunked encoding
            raise PriceSourceError(f"reading {what} failed: {exc}") from None

    def _pump(self, read: Any, spool: IO[bytes], what: str, max_bytes: int) -> None:
        total = 0
        first = True
        while True:
            self.deadline.check(what)
            chunk = read(CHUNK)
            if not chunk:
                return
            if first:
                # An error page or a captive portal answers with HTML; say so instead of a JSON parse error.
                head = chunk.lstrip()[:1]
                if head and head != b"{":
                    kind = "an HTML page" if head == b"<" else "not a JSON object"
                    raise PriceSourceError(f"{what} is {kind}, not an AWS price file")
                first = not head
            total += len(chunk)
            if total > max_bytes:
                raise PriceSourceError(f"{what} is larger than the {max_bytes:,} bytes allowed for it")
            spool.write(chunk)


def _decode(spool: IO[bytes], what: str) -> Any:
    text = io.TextIOWrapper(spool, encoding="utf-8")
    try:
        # Decimals, not floats, so a price never passes through binary arithmetic; NaN and Infinity literals
        # become Decimal too and are refused as prices later, with the key they were for.
        return json.load(text, parse_float=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as exc:
        raise PriceSourceError(f"{what} is not valid JSON (truncated or damaged): {exc.msg} at line {exc.lineno}, "
                               f"column {exc.colno}") from None
    except UnicodeDecodeError:
        raise PriceSourceError(f"{what} is not UTF-8 text") from None
    except RecursionError:
        raise PriceSourceError(f"{what} is nested too deeply to be a price file") from None
    finally:
        text.detach()


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are held to the same rules as the source URL."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        """Refuse a redirect off https or off this machine's http."""
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)
