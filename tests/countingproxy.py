"""The counting relay of benchmarks/bench_small.py, for tests that pin what crosses the wire.

The relay keeps connections open (unlike faultproxy's), so a test can tell a
connection reused from a new one, and it counts the bytes that reached the
client's socket, so an abandoned response counts what was actually sent.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_small.py"


def _load_counting_proxy() -> Any:
    spec = importlib.util.spec_from_file_location("_bench_small_for_tests", _BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CountingProxy


#: ``CountingProxy(upstream_port)``: ``.endpoint_url``, ``.close()``, and counters.
CountingProxy = _load_counting_proxy()


@dataclass(frozen=True)
class Traffic:
    """Requests (by method), new connections and bytes sent to the client."""

    requests: Counter[str]
    connections: int
    bytes_down: int

    def __sub__(self, earlier: Traffic) -> Traffic:
        return Traffic(
            self.requests - earlier.requests,
            self.connections - earlier.connections,
            self.bytes_down - earlier.bytes_down,
        )


def traffic(proxy: Any) -> Traffic:
    """Return the proxy's counters once nothing has crossed it for a moment."""
    proxy.settle()
    return Traffic(Counter(proxy.requests), proxy.connections, proxy.bytes_down)
