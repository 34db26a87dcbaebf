"""Fixtures for end-to-end runs: real child processes of the `ambient` command and a browser.

Everything is started the way an operator would start it (the `ambient` command with a YAML
config) against the session's own Mosquitto and Redis, so these tests exercise the same
wiring as the demo and a deployment.
"""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Browser, sync_playwright

from ambient.services import Service, free_port
from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Aggregator,
    AmbientProcess,
    Capture,
    http_json,
    wait_for,
)


@pytest.fixture(scope="module")
def capture_all(broker: Service) -> Iterator[Capture]:
    capture = Capture()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    subscribed = threading.Event()

    def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            c.subscribe("#", qos=1)

    def on_subscribe(*_args: Any) -> None:
        subscribed.set()

    def on_message(_c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with capture.lock:
            capture.messages.append((msg.topic, bytes(msg.payload)))

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    assert subscribed.wait(10), "capture subscriber did not subscribe"
    yield capture
    client.disconnect()
    client.loop_stop()


@pytest.fixture(scope="module")
def aggregator_process(
    broker: Service, redis_service: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Aggregator]:
    tmp_path = tmp_path_factory.mktemp("aggregator")
    port = free_port()
    config = tmp_path / "central.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "sites": ["e2e"],
                "units": ["e2e/4west"],
                "mqtt": {"host": "127.0.0.1", "port": broker.port, "client_id": "agg-e2e"},
                "redis": {"url": f"{redis_service.url}/0"},
                "web": {"host": "127.0.0.1", "port": port},
            }
        )
    )
    process = AmbientProcess(
        ["aggregator", "run", "--config", str(config)], tmp_path / "aggregator.log"
    ).start()
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return bool(http_json(f"{url}/healthz")["ok"])
        except OSError:
            return False

    try:
        wait_for(healthy, 30, f"aggregator /healthz; log:\n{process.tail()}")
        yield Aggregator(process, url, config)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: Playwright's sync API holds an event loop while it runs, which async tests
    elsewhere in the session must not find still running."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (scripts/setup installs it)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
