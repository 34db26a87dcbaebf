"""Small MQTT 5 clients for the broker tests: a persistent-session subscriber and a publisher.

They stand in for the aggregator's ingest session and for an edge agent, so the broker's own
behaviour (persistence, sessions, ACL, client ids) is tested without the rest of the system.
"""

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

T = TypeVar("T")


def eventually(check: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll until ``check`` returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or check}")


def _publish_all(client: mqtt.Client, topic: str, payloads: list[bytes], timeout: float) -> int:
    infos = [client.publish(topic, payload, qos=1) for payload in payloads]
    deadline = time.monotonic() + timeout
    for info in infos:
        info.wait_for_publish(max(0.1, deadline - time.monotonic()))
    return sum(info.is_published() for info in infos)


class Session:
    """A client on a persistent session (``clean_start=False``), recording what it receives.

    ``connect()`` waits for the CONNACK and, if ``topic`` is given, for the SUBACK; a refused
    CONNACK is reported in ``refused`` and leaves the client disconnected.
    """

    def __init__(
        self,
        port: int,
        client_id: str,
        *,
        username: str | None = None,
        password: str | None = None,
        expiry_s: int = 3600,
        tls: Callable[[mqtt.Client], None] | None = None,
    ) -> None:
        self.port = port
        self.received: list[bytes] = []
        self.refused: str | None = None
        self.kicked = threading.Event()
        self._connack = threading.Event()
        self._subscribed = threading.Event()
        self._lock = threading.Lock()
        self._expiry_s = expiry_s
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id, protocol=mqtt.MQTTv5)
        if username is not None:
            self.client.username_pw_set(username, password)
        if tls is not None:
            tls(self.client)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_message

    def _on_connect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self.refused = str(reason)
        self._connack.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.kicked.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.received.append(bytes(msg.payload))

    def connect(self, topic: str | None = None, timeout: float = 10.0) -> "Session":
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho
        props.SessionExpiryInterval = self._expiry_s
        self.client.connect("127.0.0.1", self.port, clean_start=False, properties=props)
        self.client.loop_start()
        assert self._connack.wait(timeout), "no CONNACK"
        if topic is not None and self.refused is None:
            self.client.subscribe(topic, qos=1)
            assert self._subscribed.wait(timeout), "no SUBACK"
        return self

    def publish_all(self, topic: str, payloads: list[bytes], timeout: float = 30.0) -> int:
        """Publish each payload at QoS 1; return how many the broker PUBACKed in time."""
        return _publish_all(self.client, topic, payloads, timeout)

    def messages(self) -> list[bytes]:
        with self._lock:
            return list(self.received)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Publisher:
    """Publishes QoS 1 like an edge agent and knows which messages the broker PUBACKed."""

    def __init__(
        self,
        port: int,
        *,
        client_id: str | None = None,
        username: str | None = None,
        password: str | None = None,
        tls: Callable[[mqtt.Client], None] | None = None,
    ) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id or f"pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        if tls is not None:
            tls(self.client)
        connected = threading.Event()
        self.client.on_connect = lambda *_: connected.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert connected.wait(10), "publisher: no CONNACK"

    def publish_all(self, topic: str, payloads: list[bytes], timeout: float = 30.0) -> int:
        """Publish each payload at QoS 1; return how many the broker PUBACKed in time."""
        return _publish_all(self.client, topic, payloads, timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
