"""Deterministic, realistic tool outputs for tests, benchmarks and the README example.

Run as a script to rewrite the committed files in ``examples/``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ENDPOINTS = ["/api/v1/orders", "/api/v1/users", "/api/v1/payments", "/api/v1/search", "/api/v1/inventory"]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]
FAILURES = [
    (500, "INTERNAL", "NullPointerException in OrderService.price(OrderService.java:212)"),
    (502, "BAD_GATEWAY", "upstream payment-service returned malformed response"),
    (503, "UNAVAILABLE", "inventory-db connection pool exhausted (max=50)"),
    (504, "UPSTREAM_TIMEOUT", "upstream payment-service timed out after 5000 ms"),
]


def failing_ids(n: int = 1000, failure_rate: float = 0.02, seed: int = 7) -> list[int]:
    """Indices of the failing records that :func:`api_results` produces with the same arguments."""
    rng = random.Random(seed)
    return sorted(rng.sample(range(n), max(1, round(n * failure_rate))))


def api_results(
    n: int = 1000, failure_rate: float = 0.02, *, error_field: bool = False, seed: int = 7
) -> list[dict]:
    """Records of API calls, about ``failure_rate`` of them failed with an error message.

    With ``error_field`` every record has an ``error`` key that is null on
    healthy rows (the trap: a key named error is not an error).
    """
    failing = set(failing_ids(n, failure_rate, seed))
    rng = random.Random(seed + 1)
    rows = []
    for i in range(n):
        row: dict = {
            "id": f"req-{i:05d}",
            "timestamp": f"2026-11-20T10:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            "endpoint": rng.choice(ENDPOINTS),
            "method": rng.choice(["GET", "GET", "GET", "POST"]),
            "region": rng.choice(REGIONS),
            "status": 200,
            "latency_ms": int(rng.gauss(120, 25)),
            "response_bytes": rng.randint(800, 9000),
            "user_id": f"u-{rng.randint(1000, 9999)}",
        }
        if i in failing:
            status, code, message = FAILURES[i % len(FAILURES)]
            row["status"] = status
            row["latency_ms"] = 5000 if code == "UPSTREAM_TIMEOUT" else int(rng.gauss(300, 40))
            row["error"] = {"code": code, "message": f"{message} (request req-{i:05d})"}
        elif error_field:
            row["error"] = None
        rows.append(row)
    return rows


def write_examples(directory: Path) -> None:
    """Write the committed example files."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = api_results()
    (directory / "api_results.json").write_text(json.dumps(rows, indent=2) + "\n")
    page = {"data": {"items": api_results(300, error_field=True, seed=11)}, "total": 4812, "next_cursor": "c-300"}
    (directory / "api_page_nested.json").write_text(json.dumps(page) + "\n")
    (directory / "events.jsonl").write_text("".join(json.dumps(row) + "\n" for row in api_results(2000, 0.01, seed=3)))


if __name__ == "__main__":
    write_examples(Path(__file__).resolve().parent.parent / "examples")
