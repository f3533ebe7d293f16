"""httpx clients for the emulators' helpers (seeding, the control API), sharing one TLS context.

httpx builds a TLS context for every Client it makes, loading the whole CA bundle (about 20 ms of
CPU), even for the plain-HTTP loopback URLs the emulators serve. The test suite makes thousands of
short-lived clients; one context per process, made on first use, is enough for all of them.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), made once."""
    return httpx.create_ssl_context()


def client(**options: Any) -> httpx.Client:
    """An httpx.Client as `httpx.Client(**options)`, on the shared TLS context."""
    return httpx.Client(verify=tls_context(), **options)
