"""Plugins end with the engine that started them, as Pulumi's Go plugins do."""

from __future__ import annotations

import socket
import threading

import pytest

from pulumi_builds import engine_watch


def test_watcher_reports_the_engine_gone_once_it_stops_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_watch, "INTERVAL_S", 0.05)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    gone = threading.Event()
    watcher = engine_watch.watch(address, on_gone=gone.set)
    assert watcher is not None
    assert not gone.wait(0.4), "the engine still answers: the plugin must keep running"
    listener.close()
    assert gone.wait(3), "the engine is gone: the plugin must end"


def test_engine_address_is_the_first_positional_argument() -> None:
    assert engine_watch.engine_address(["--logtostderr", "127.0.0.1:4000", "x"]) == "127.0.0.1:4000"
    assert engine_watch.watch("") is None
