"""What a broker kill -9 loses of the events it PUBACKed while the aggregator was down.

Run: ``.venv/bin/python bench/bench_broker_kill.py [--autosave 2] [--rate 200] [--seconds 10]
[--runs 5]``. Each run starts its own Mosquitto (the test helper's settings, with the given
autosave interval), makes the aggregator's persistent session with its plain events
subscription and leaves it offline, publishes events at a steady rate like a ward of agents,
kills the broker with SIGKILL at a random moment, restarts it and drains the session. It
prints events PUBACKed / delivered after the restart / lost, and how long before the kill the
lost ones were acknowledged: the loss window is the autosave interval plus the time a save
takes. Mosquitto has no per-message sync: this window is the price of its persistence.
"""

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ambient.services import mosquitto

TOPIC = "ambient/v1/bench/agents/agent-1/events/occupancy"


def _session(port: int, received: list[bytes]) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, "bench-ingest", protocol=mqtt.MQTTv5)
    client.on_message = lambda _c, _u, msg: received.append(bytes(msg.payload))
    subscribed = threading.Event()
    client.on_subscribe = lambda *_: subscribed.set()
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho
    props.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    if not received:
        client.subscribe(TOPIC.rsplit("/", 3)[0] + "/+/events/+", qos=1)
        subscribed.wait(10)
    return client


def run_once(workdir: Path, autosave: int, rate: float, seconds: float) -> tuple[int, int, float]:
    broker = mosquitto(workdir, autosave_s=autosave).start()
    made: list[bytes] = []
    first = _session(broker.port, made)
    first.disconnect()
    first.loop_stop()
    time.sleep(autosave + 0.5)  # the session itself is saved before the kill

    acked: dict[bytes, float] = {}
    stop = threading.Event()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, "bench-agent", protocol=mqtt.MQTTv5)
    sent: dict[int, bytes] = {}
    pub.on_publish = lambda _c, _u, mid, _r, _p: acked.__setitem__(sent[mid], time.monotonic())
    pub.connect("127.0.0.1", broker.port)
    pub.loop_start()

    def publish() -> None:
        i = 0
        t0 = time.monotonic()
        while not stop.is_set():
            payload = f"event-{i}".encode()
            info = pub.publish(TOPIC, payload, qos=1)
            sent[info.mid] = payload
            i += 1
            time.sleep(max(0.0, t0 + i / rate - time.monotonic()))

    sender = threading.Thread(target=publish)
    sender.start()
    time.sleep(seconds * random.uniform(0.5, 1.0))
    killed_at = time.monotonic()
    broker.kill()
    stop.set()
    sender.join()
    pub.loop_stop()
    broker.start()
    received: list[bytes] = [b"-"]
    drain = _session(broker.port, received)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(received) - 1 < len(acked):
        time.sleep(0.1)
    time.sleep(1)
    drain.disconnect()
    drain.loop_stop()
    broker.stop()
    got = set(received[1:])
    lost = [killed_at - t for payload, t in acked.items() if payload not in got]
    return len(acked), len(acked) - len(lost), max(lost, default=0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--autosave", type=int, default=2, help="autosave_interval, seconds")
    parser.add_argument("--rate", type=float, default=200.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="longest run before the kill")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"autosave {args.autosave} s, {args.rate:.0f} events/s, aggregator down")
    print("run  acked  delivered  lost  oldest lost (s before kill)")
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            acked, delivered, oldest = run_once(Path(tmp), args.autosave, args.rate, args.seconds)
        print(f"{run:3}  {acked:5}  {delivered:9}  {acked - delivered:4}  {oldest:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
