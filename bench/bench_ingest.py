"""Aggregator ingest rate end to end (MQTT → validated → Redis), next to a bare paho subscriber.

Run: ``.venv/bin/python bench/bench_ingest.py [--events 20000]``. It starts its own Mosquitto
and Redis on free ports. A publisher process sends N QoS 1 events as fast as the broker takes
them; first a bare paho subscriber (receive and count, nothing else) measures what one Python
MQTT client can receive here, then `ambient aggregator run` ingests the same N events, timed
from the first to the last event stored in Redis. Same broker, same machine, same run.
"""

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import redis
import yaml
from paho.mqtt.enums import CallbackAPIVersion

import protocol
from aggregator import samples
from aggregator.store import Partition
from ambient.services import free_port, mosquitto, redis_server

SITE, UNIT = "bench", "4west"


def payloads(n: int) -> list[tuple[str, bytes]]:
    stamper = samples.stamper(site=SITE, unit=UNIT, room="412", agent_id="agent-412")
    t0 = time.time()
    out = []
    for i in range(n):
        event = samples.occupancy(stamper, i % 4, t0 + i * 0.001)
        out.append(
            (protocol.event_topic(SITE, "agent-412", "occupancy"), protocol.dump_event(event))
        )
    return out


def publish(port: int, n: int) -> None:
    """In a child process: publish n events at QoS 1 and wait for every PUBACK."""
    messages = payloads(n)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(timeout=120)
    client.disconnect()
    client.loop_stop()


def bare_subscriber_rate(port: int, n: int) -> float:
    """Messages per second received by a paho subscriber that only counts them."""
    count = 0
    first = last = 0.0
    done = threading.Event()
    ready = threading.Event()

    def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            c.subscribe(protocol.events_subscription(SITE, shared=False), qos=1)

    def on_message(_c: mqtt.Client, _u: Any, _msg: mqtt.MQTTMessage) -> None:
        nonlocal count, first, last
        now = time.perf_counter()
        if count == 0:
            first = now
        count += 1
        last = now
        if count >= n:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
    client.on_connect = on_connect
    client.on_subscribe = lambda *_a: ready.set()
    client.on_message = on_message
    client.connect("127.0.0.1", port)
    client.loop_start()
    ready.wait(10)
    publisher = multiprocessing.Process(target=publish, args=(port, n))
    publisher.start()
    done.wait(300)
    publisher.join(60)
    client.disconnect()
    client.loop_stop()
    return (count - 1) / (last - first) if count > 1 else 0.0


def aggregator_rate(workdir: Path, mqtt_port: int, redis_port: int, n: int) -> float:
    """Events per second from the first to the n-th event stored by the aggregator."""
    config = workdir / "central.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "sites": [SITE],
                "mqtt": {"host": "127.0.0.1", "port": mqtt_port, "client_id": "agg-bench"},
                "redis": {"url": f"redis://127.0.0.1:{redis_port}/0"},
                "web": {"host": "127.0.0.1", "port": free_port()},
                # Throughput, not limits, is measured: one agent may send as fast as it can.
                "ingest": {"agent_rate_per_s": 1e9, "agent_burst": 10**9},
            }
        )
    )
    log = (workdir / "aggregator.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ambient.cli", "aggregator", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    store = redis.Redis(port=redis_port)
    stream = Partition(SITE, UNIT).events
    try:
        deadline = time.monotonic() + 30
        while not store.exists("ambient:agents:" + SITE) and time.monotonic() < deadline:
            _announce(mqtt_port)
            time.sleep(0.2)
        publisher = multiprocessing.Process(target=publish, args=(mqtt_port, n))
        publisher.start()
        first = 0.0
        stored = 0
        deadline = time.monotonic() + 300
        while stored < n and time.monotonic() < deadline:
            stored = int(store.xlen(stream)) if store.exists(stream) else 0
            if stored and not first:
                first = time.perf_counter()
            time.sleep(0.005)
        elapsed = time.perf_counter() - first
        publisher.join(60)
        return stored / elapsed if elapsed > 0 else 0.0
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def _announce(port: int) -> None:
    """Publish an agent birth so we know the aggregator is subscribed and storing."""
    status = protocol.AgentStatus.model_validate(
        {
            "schema": protocol.STATUS_SCHEMA,
            "state": "online",
            "site": SITE,
            "unit": UNIT,
            "room": "412",
            "agent_id": "agent-412",
            "boot_id": uuid.uuid4(),
            "ts": "2026-01-01T00:00:00Z",
            "software_version": "bench",
            "config_hash": "0" * 16,
        }
    )
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.publish(
        protocol.agent_status_topic(SITE, "agent-412"), status.model_dump_json(by_alias=True), qos=1
    ).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ambient-bench-") as tmp:
        workdir = Path(tmp)
        broker = mosquitto(workdir / "mosquitto").start()
        store = redis_server(workdir / "redis").start()
        try:
            bare = bare_subscriber_rate(broker.port, args.events)
            ours = aggregator_rate(workdir, broker.port, store.port, args.events)
        finally:
            store.stop()
            broker.stop()
    print(f"ingest of {args.events} QoS 1 events on one broker, one aggregator process")
    print(f"  bare paho subscriber (receive only)     {bare:8.0f} msg/s")
    print(f"  aggregator (validate, dedupe, XADD, ack) {ours:8.0f} events/s  = {ours / bare:.0%}")


if __name__ == "__main__":
    main()
