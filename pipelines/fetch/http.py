"""HTTP for the fetchers: httpx, a rate limiter and retries with back-off (tenacity).

Every failure becomes a :class:`FetchError` with a Norwegian message for the run log and the
asset's metadata; nothing here lets a traceback reach the user. The clock and the sleep are
injected, so tests run the limiter and the back-off without waiting.
"""

from __future__ import annotations

import collections
import datetime as dt
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import tenacity

USER_AGENT = "sammen-for-barn-og-unge (kommunal planoppfolging; httpx)"
RETRY_STATUSES = {429, 502, 503, 504}


class FetchError(Exception):
    """A fetch that gave no usable data. ``code`` is machine-readable (``rate_limited``,
    ``unavailable``, ``http_error``, ``html_response``, ``invalid_response``, ``revision_window``,
    ``revision_data``, ``too_large``, ``network``), ``message_nb`` is shown to the user."""

    def __init__(self, code: str, message_nb: str, detail: str = "", *, status: int | None = None):
        super().__init__(f"{code}: {detail or message_nb}")
        self.code = code
        self.message_nb = message_nb
        self.detail = detail
        self.status = status


class RetryableError(FetchError):
    """A failure worth another try: 429, 503 (SSB takes tables offline while it updates metadata
    at 05:00 and 11:30), 502/504 and network errors. ``retry_after`` is the server's Retry-After
    in seconds, if it sent one."""

    def __init__(self, *args, retry_after: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class RateLimiter:
    """At most ``max_calls`` requests in any ``period`` seconds (a sliding window): ``acquire``
    waits, with the injected ``sleep``, until a request may go. SSB allows 30 a minute; the
    default stays under that."""

    def __init__(
        self,
        max_calls: int = 29,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.max_calls = max_calls
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self.sent: collections.deque[float] = collections.deque()

    def acquire(self) -> float:
        """Wait until a request may be sent, record it and return the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            while self.sent and self.sent[0] <= now - self.period:
                self.sent.popleft()
            if len(self.sent) < self.max_calls:
                self.sent.append(now)
                return waited
            pause = self.sent[0] + self.period - now
            self.sleep(pause)
            waited += pause


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class HttpClient:
    """One client per fetch run: the rate limiter spans every request of the run, retries included."""

    limiter: RateLimiter = field(default_factory=RateLimiter)
    sleep: Callable[[float], None] = time.sleep
    attempts: int = 4
    max_backoff: float = 120.0  # longer Retry-After than this: give up and say so
    timeout: float = 60.0
    transport: httpx.BaseTransport | None = None
    log: Callable[[str], None] = lambda message: None
    requests_sent: int = 0
    unavailable_hint: str = ""  # appended to the 502/503/504 message, e.g. why SSB takes tables down

    def __post_init__(self):
        self._client = httpx.Client(
            timeout=self.timeout, headers={"User-Agent": USER_AGENT}, transport=self.transport, follow_redirects=True
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        backoff = min(self.max_backoff, 2.0 ** (state.attempt_number + 1))  # 4, 8, 16 … seconds
        if isinstance(error, RetryableError) and error.retry_after is not None:
            if error.retry_after > self.max_backoff:
                raise error
            backoff = error.retry_after
        self.log(f"{error.detail if isinstance(error, FetchError) else error}; prøver igjen om {backoff:.0f} s")
        return backoff

    def request(self, method: str, url: str, *, params=None, json=None) -> httpx.Response:
        """Send with the limiter and retries; return a 2xx response or raise :class:`FetchError`."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetryableError),
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._send, method, url, params, json)
        except RetryableError as error:
            raise FetchError(error.code, error.message_nb, error.detail, status=error.status) from None

    def _send(self, method: str, url: str, params, body) -> httpx.Response:
        self.limiter.acquire()
        self.requests_sent += 1
        try:
            response = self._client.request(method, url, params=params, json=body)
        except httpx.TimeoutException as exc:
            raise RetryableError("network", "Tjenesten svarte ikke i tide (tidsavbrudd).", f"timeout: {exc}") from None
        except httpx.HTTPError as exc:
            raise RetryableError(
                "network",
                "Fikk ikke kontakt med tjenesten (nettverksfeil). De siste gode dataene vises fortsatt.",
                f"{type(exc).__name__}: {exc}",
            ) from None
        status = response.status_code
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                raise RetryableError(
                    "rate_limited",
                    "Tjenesten avviste spørringen fordi det ble sendt for mange forespørsler (429).",
                    f"HTTP 429 Too Many Requests (Retry-After: {response.headers.get('Retry-After')})",
                    status=status,
                    retry_after=retry_after,
                )
            raise RetryableError(
                "unavailable",
                f"Tjenesten er midlertidig utilgjengelig ({status}).{self.unavailable_hint}",
                f"HTTP {status}",
                status=status,
                retry_after=retry_after,
            )
        if status >= 400:
            raise FetchError(
                "http_error",
                f"Tjenesten avviste spørringen ({status}): {_short(response.text)}",
                f"HTTP {status}: {_short(response.text)}",
                status=status,
            )
        return response


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
