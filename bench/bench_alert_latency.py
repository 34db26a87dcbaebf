"""Alert latency from the edge's MQTT publish to the row in the nurse's browser, with and
without a background load of ordinary events.

Run: ``.venv/bin/python bench/bench_alert_latency.py [--falls 40] [--load 1000]``. It starts
its own Mosquitto, Redis and `ambient aggregator run`, opens the unit's feed in headless
Chromium, and publishes fall `start` events one every ``--every`` seconds. The page records
(MutationObserver) when each alert row appears, on the same clock as the publisher (one
machine), so latency = row shown − publish. Two phases in the same run: idle, then with a
publisher sending ``--load`` occupancy events per second to the same site from other rooms.
"""

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Page, sync_playwright

import protocol
from aggregator import samples
from aggregator.alerts.model import AlertKind, episode_alert_id
from ambient.services import free_port, mosquitto, redis_server

SITE, UNIT = "bench", "4west"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

OBSERVER = """
window.__seen = {};
new MutationObserver(() => {
  for (const row of document.querySelectorAll('[data-alert-id]')) {
    const id = row.dataset.alertId;
    if (!(id in window.__seen)) window.__seen[id] = performance.timeOrigin + performance.now();
  }
}).observe(document.body, {childList: true, subtree: true});
"""


def _client(port: int, client_id: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def background_load(port: int, rate: float, stop: Any) -> None:
    """In a child process: occupancy events from 20 other rooms at ``rate`` per second."""
    client = _client(port, "bench-load")
    stampers = [
        samples.stamper(site=SITE, unit=UNIT, room=f"r{i}", agent_id=f"load-{i}") for i in range(20)
    ]
    sent, t0 = 0, time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - t0) * rate)
        while sent < due:
            st = stampers[sent % len(stampers)]
            event = samples.occupancy(st, sent % 3, time.time())
            topic = protocol.event_topic(SITE, st.identity.agent_id, "occupancy")
            client.publish(topic, protocol.dump_event(event), qos=1)
            sent += 1
        time.sleep(0.002)
    client.disconnect()
    client.loop_stop()


def measure(page: Page, port: int, falls: int, every: float) -> list[float]:
    """Publish `falls` fall starts from room 412; latency of each row in ms."""
    client = _client(port, f"bench-fall-{uuid.uuid4().hex[:6]}")
    st = samples.stamper(site=SITE, unit=UNIT, room="412", agent_id="agent-412")
    published: dict[str, float] = {}
    for _ in range(falls):
        episode = uuid.uuid4()
        event = samples.fall(st, protocol.Phase.START, episode, time.time())
        alert_id = episode_alert_id(AlertKind.FALL, episode)
        published[alert_id] = time.time() * 1000
        client.publish(
            protocol.event_topic(SITE, "agent-412", "fall"), protocol.dump_event(event), qos=1
        )
        time.sleep(every)
    time.sleep(3)
    client.disconnect()
    client.loop_stop()
    seen: dict[str, float] = page.evaluate("window.__seen")
    missing = [a for a in published if a not in seen]
    if missing:
        print(f"  {len(missing)} of {falls} alerts never appeared in the browser")
    return [seen[a] - published[a] for a in published if a in seen]


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no alerts seen"
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return (
        f"{name}: p50 {statistics.median(values):.0f} ms, p99 {q[98]:.0f} ms, "
        f"max {max(values):.0f} ms (n={len(values)})"
    )


@contextmanager
def aggregator(work: Path, mqtt_port: int, redis_url: str) -> Iterator[str]:
    port = free_port()
    config = work / "central.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "sites": [SITE],
                "units": [f"{SITE}/{UNIT}"],
                "mqtt": {"host": "127.0.0.1", "port": mqtt_port, "client_id": "agg-bench"},
                "redis": {"url": f"{redis_url}/0"},
                "web": {"host": "127.0.0.1", "port": port},
                # Throughput, not limits, is measured: one agent may send as fast as it can.
                "ingest": {
                    "agent_rate_per_s": 1e9,
                    "agent_burst": 10**9,
                    "max_open_alerts_per_room": 1000,
                },
            }
        )
    )
    log = (work / "aggregator.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ambient.cli", "aggregator", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(4)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--falls", type=int, default=40)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between falls")
    parser.add_argument("--load", type=float, default=1000.0, help="background events/s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = mosquitto(work / "mqtt").start()
        store = redis_server(work / "redis").start()
        try:
            idle, loaded = run(work, broker.port, store.url, args)
        finally:
            store.stop()
            broker.stop()
    print("alert latency, MQTT publish → row in the browser feed (same machine clock)")
    print("  " + summary("idle", idle))
    print("  " + summary(f"with {args.load:.0f} background events/s", loaded))
    return 0


def run(
    work: Path, mqtt_port: int, redis_url: str, args: argparse.Namespace
) -> tuple[list[float], list[float]]:
    with aggregator(work, mqtt_port, redis_url) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.goto(f"{url}/sites/{SITE}/units/{UNIT}")
        page.evaluate(OBSERVER)
        time.sleep(1)
        idle = measure(page, mqtt_port, args.falls, args.every)
        stop = multiprocessing.Event()
        load = multiprocessing.Process(target=background_load, args=(mqtt_port, args.load, stop))
        load.start()
        time.sleep(3)
        loaded = measure(page, mqtt_port, args.falls, args.every)
        stop.set()
        load.join(30)
        browser.close()
    return idle, loaded


if __name__ == "__main__":
    sys.exit(main())
