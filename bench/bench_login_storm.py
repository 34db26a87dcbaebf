"""How a burst of sign-ins slows everything else: /healthz latency while 64 people (or one
attacker) sign in at once, with PBKDF2 at its real cost (600,000 iterations).

Run: ``.venv/bin/python bench/bench_login_storm.py [--logins 64] [--concurrency 1 2 64]``.
For each ``login_concurrency`` it starts a Redis and the web app under uvicorn in a child
process (as the aggregator serves it), fires the sign-ins at once from this process, probes
``/healthz`` every 50 ms meanwhile, and prints the probe latencies and how long the last
sign-in took. ``--concurrency 64`` stands for the old behaviour (every check in its own
thread at once). Figures, never pass/fail: the machine is shared.
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ambient.services import free_port, redis_server

PASSWORD = "night-shift"
USERS = 8


def serve(redis_url: str, port: int, concurrency: int) -> None:
    """The child process: the web app with sign-in on, on ``port``."""
    import redis.asyncio as aioredis
    import uvicorn

    from aggregator.config import AuthConfig
    from aggregator.metrics import Metrics
    from aggregator.web.api import create_app
    from aggregator.web.auth import hash_password

    class Connected:
        connected = True

    auth = AuthConfig.model_validate(
        {
            "enabled": True,
            "session_secret": "a-bench-secret-of-enough-length",
            "cookie_secure": False,
            "users": [
                {"id": f"n{i}", "role": "nurse", "password_hash": hash_password(PASSWORD)}
                for i in range(USERS)
            ],
            "login_concurrency": concurrency,
            "login_limit_per_user": 10_000,
            "login_limit_per_address": 10_000,
        }
    )
    app = create_app(aioredis.Redis.from_url(redis_url), Metrics(), Connected(), auth=auth)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


async def storm(url: str, logins: int) -> tuple[list[float], float]:
    """Probe latencies (s) during the burst, and the time until the last sign-in answered."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        began = time.perf_counter()
        tasks = [
            asyncio.create_task(
                http.post("/api/login", json={"id": f"n{i % USERS}", "password": PASSWORD})
            )
            for i in range(logins)
        ]
        probes: list[float] = []
        while not all(t.done() for t in tasks):
            sent = time.perf_counter()
            await http.get("/healthz")
            probes.append(time.perf_counter() - sent)
            await asyncio.sleep(0.05)
        codes = [r.status_code for r in await asyncio.gather(*tasks)]
        assert codes == [200] * logins, codes
        return probes, time.perf_counter() - began


async def idle(url: str) -> list[float]:
    async with httpx.AsyncClient(base_url=url) as http:
        times = []
        for _ in range(20):
            sent = time.perf_counter()
            await http.get("/healthz")
            times.append(time.perf_counter() - sent)
        return times


def wait_up(url: str, deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("web app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=64)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 64])
    parser.add_argument("--serve", nargs=3, metavar=("REDIS_URL", "PORT", "N"), help="internal")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        redis = redis_server(Path(tmp)).start()
        try:
            print(f"{args.logins} sign-ins at once, PBKDF2 600,000 iterations")
            print("concurrency  healthz idle p50  during p50  during max  last sign-in")
            for n in args.concurrency:
                port = free_port()
                child = subprocess.Popen(
                    [sys.executable, __file__, "--serve", f"{redis.url}/0", str(port), str(n)]
                )
                try:
                    url = f"http://127.0.0.1:{port}"
                    wait_up(url)
                    calm = asyncio.run(idle(url))
                    probes, total = asyncio.run(storm(url, args.logins))
                    print(
                        f"{n:>11}  {statistics.median(calm) * 1000:>13.1f} ms"
                        f"  {statistics.median(probes) * 1000:>7.1f} ms"
                        f"  {max(probes) * 1000:>7.1f} ms  {total:>9.1f} s"
                    )
                finally:
                    child.terminate()
                    child.wait(timeout=10)
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
