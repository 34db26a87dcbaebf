"""One aggregator process: ingest (paho thread + writer thread), rules and web (asyncio).

`App.run()` is a linear list of start steps and a reverse list of stop steps around one
stop event, set by SIGINT/SIGTERM. On stop the aggregator says ``offline`` on every site's
state topic, so edge agents start holding events, and leaves unacked messages to the broker.

Every background task (rules, roll-ups, the notifier's loops, the web server) runs under one
`Supervisor`: a crash is logged with its traceback, counted in /metrics, turns /healthz and
/readyz red and is restarted with backoff. When a task cannot be kept alive, or the web
server cannot start, `run()` says why in one line and returns 1.
"""

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any

import redis
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI

from aggregator.alerts.store import AlertStore
from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.config import CentralConfig, SupervisionConfig
from aggregator.errors import AggregatorError
from aggregator.ingest.limits import IngestGate
from aggregator.ingest.mqtt import MqttIngest
from aggregator.ingest.presence import Presence
from aggregator.ingest.writer import RedisBatchWriter
from aggregator.metrics import Metrics
from aggregator.notify.service import Notifier
from aggregator.registry import RegistryFile
from aggregator.reports.outcomes import StoredOutcomes
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import Partition
from aggregator.supervise import Backoff, RestartPolicy, Supervisor
from aggregator.web.api import create_app
from aggregator.web.reports import report_router

logger = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the App owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


INGEST_WRITER = "ingest-writer"
"""The ingest writer thread's name in health and metrics: it is not an asyncio task, but a
failed batch is counted and shown failing like a task's crash."""


class WebStartError(AggregatorError, RuntimeError):
    """uvicorn could not start serving (it says why in the log: a port taken, say)."""


def restart_policy(cfg: SupervisionConfig) -> RestartPolicy:
    return RestartPolicy(
        backoff=Backoff(cfg.restart_base_s, cfg.restart_cap_s),
        max_restarts=cfg.max_restarts,
        healthy_after_s=cfg.healthy_after_s,
    )


class App:
    def __init__(self, config: CentralConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.stop_event = asyncio.Event()
        self.supervisor = Supervisor(
            self.stop_event,
            restart_policy(config.supervision),
            on_crash=lambda name: self.metrics.task_crashes.labels(name).inc(),
        )

    def run(self) -> int:
        """0 after a stop by signal; 1, with the reason on stderr, when a task gave up."""
        asyncio.run(self._main())
        if self.supervisor.gave_up.is_set():
            print(f"aggregator: stopped: {self.supervisor.reason}", file=sys.stderr)
            return 1
        return 0

    def _supervise(self, name: str, run: Callable[[], Awaitable[None]], **kw: Any) -> None:
        self.supervisor.start(name, run, **kw)
        self.metrics.task_failing.labels(name).set_function(
            lambda: float(name in self.supervisor.failing())
        )

    def _ingest_crashed(self, loop: asyncio.AbstractEventLoop, error: Exception) -> None:
        """From the ingest writer thread: a failed batch, counted like a task's crash."""
        loop.call_soon_threadsafe(self.supervisor.record_crash, INGEST_WRITER, error)

    async def _serve_web(self, app: FastAPI, started: asyncio.Event) -> None:
        """One uvicorn server until stop; a new one on every (re)start of the task."""
        cfg = self.config.web
        server = _Server(
            uvicorn.Config(
                app,
                host=cfg.host,
                port=cfg.port,
                log_level="warning",
                timeout_graceful_shutdown=2,
                lifespan="off",
                ssl_certfile=cfg.tls_cert,
                ssl_keyfile=cfg.tls_key,
                proxy_headers=True,
                forwarded_allow_ips=cfg.forwarded_allow_ips,
            )
        )
        scheme = "https" if cfg.tls_cert else "http"

        async def watch() -> None:
            while not server.started:
                await asyncio.sleep(0.05)
            if not started.is_set():
                port = server.servers[0].sockets[0].getsockname()[1]
                print(f"nurse-station feed: {scheme}://{cfg.host}:{port}/", flush=True)
                started.set()
            await self.stop_event.wait()
            server.should_exit = True

        watcher = asyncio.create_task(watch())
        try:
            await server.serve()
        except SystemExit as e:  # uvicorn's way of saying it could not bind or start
            raise WebStartError(f"web server could not serve on {cfg.host}:{cfg.port}") from e
        finally:
            watcher.cancel()

    async def _main(self) -> None:
        cfg = self.config
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop_event.set)

        sync_redis = redis.Redis.from_url(cfg.redis.url, socket_timeout=5)
        async_redis = aioredis.Redis.from_url(cfg.redis.url, socket_timeout=30)
        writer = RedisBatchWriter(sync_redis, cfg.ingest.dedupe_ttl_s, cfg.ingest.stream_maxlen)
        ingest = MqttIngest(
            cfg.mqtt,
            cfg.sites,
            writer,
            self.metrics,
            max_payload_bytes=cfg.ingest.max_payload_bytes,
            batch_size=cfg.ingest.batch_size,
            on_crash=partial(self._ingest_crashed, loop),
            gate=IngestGate(cfg.ingest, on_skew=self.metrics.set_clock_skew),
            registry=RegistryFile(cfg.registry) if cfg.registry else None,
        )
        republish = cfg.ingest.state_republish_s
        presences = [Presence(cfg.mqtt, site, republish_s=republish) for site in cfg.sites]
        dead_letter_after = cfg.supervision.dead_letter_after
        consumer = RulesConsumer(
            async_redis,
            AlertStore(async_redis, max_open_per_room=cfg.ingest.max_open_alerts_per_room),
            self.metrics,
            cfg.rules,
            consumer=cfg.mqtt.client_id,
            dead_letter_after=dead_letter_after,
        )
        # Roll-ups for reports, kept on ingest by their own reader (redis-py sync, RESP2).
        analytics_redis = redis.Redis.from_url(cfg.redis.url, socket_timeout=30, protocol=2)
        analytics = AnalyticsConsumer(
            analytics_redis,
            shifts=cfg.analytics.shifts(),
            metrics=self.metrics,
            dead_letter_after=dead_letter_after,
        )
        app = create_app(
            async_redis,
            self.metrics,
            ingest,
            units=[Partition(site, unit) for site, unit in cfg.listed_units()],
            stopping=self.stop_event,
            max_snooze_minutes=cfg.rules.suppression.max_snooze_minutes,
            auth=cfg.auth,
            routers=[report_router(analytics_redis, outcomes=StoredOutcomes(analytics_redis))],
            tasks=self.supervisor,
        )
        notifier = (
            Notifier.from_config(
                cfg.notify,
                async_redis,
                cfg.mqtt,
                self.metrics.registry,
                consumer=cfg.mqtt.client_id,
                dead_letter_after=dead_letter_after,
                on_set_aside=lambda why: self.metrics.entries_dead_lettered.labels(
                    "notify", why.value
                ).inc(),
            )
            if cfg.notify.enabled
            else None
        )

        self.metrics.task_failing.labels(INGEST_WRITER).set_function(
            lambda: float(INGEST_WRITER in self.supervisor.failing())
        )
        ingest.start()
        for presence in presences:
            presence.start()
        if notifier is not None:
            notifier.start()
        web_started = asyncio.Event()
        self._supervise("web", partial(self._serve_web, app, web_started), started=web_started)
        self._supervise("rules", partial(consumer.run, self.stop_event))
        self._supervise("analytics", partial(analytics.run, self.stop_event))
        for name, run in (notifier.loops(self.stop_event) if notifier else {}).items():
            self._supervise(name, run)

        stopper = asyncio.create_task(self.stop_event.wait())
        giving_up = asyncio.create_task(self.supervisor.gave_up.wait())
        await asyncio.wait({stopper, giving_up}, return_when=asyncio.FIRST_COMPLETED)
        logger.info("aggregator stopping")

        self.stop_event.set()
        giving_up.cancel()
        await self.supervisor.wait(timeout=10)
        if notifier is not None:
            notifier.stop()
        for presence in reversed(presences):
            presence.stop()
        ingest.stop()
        await async_redis.aclose()
        analytics_redis.close()
        sync_redis.close()
        logger.info("aggregator stopped")
