"""One aggregator process: ingest (paho thread + writer thread), rules and web (asyncio).

`App.run()` is a linear list of start steps and a reverse list of stop steps around one
stop event, set by SIGINT/SIGTERM. On stop the aggregator says ``offline`` on every site's
state topic, so edge agents start holding events, and leaves unacked messages to the broker.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import redis
import redis.asyncio as aioredis
import uvicorn

from aggregator.alerts.store import AlertStore
from aggregator.analytics.consumer import AnalyticsConsumer
from aggregator.config import CentralConfig
from aggregator.ingest.limits import IngestGate
from aggregator.ingest.mqtt import MqttIngest
from aggregator.ingest.presence import Presence
from aggregator.ingest.writer import RedisBatchWriter
from aggregator.metrics import Metrics
from aggregator.notify.service import Notifier
from aggregator.reports.outcomes import StoredOutcomes
from aggregator.rules.consumer import RulesConsumer
from aggregator.store import Partition
from aggregator.web.api import create_app
from aggregator.web.reports import report_router

logger = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the App owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class App:
    def __init__(self, config: CentralConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.stop_event = asyncio.Event()

    def run(self) -> int:
        asyncio.run(self._main())
        return 0

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
            gate=IngestGate(cfg.ingest, on_skew=self.metrics.set_clock_skew),
        )
        republish = cfg.ingest.state_republish_s
        presences = [Presence(cfg.mqtt, site, republish_s=republish) for site in cfg.sites]
        consumer = RulesConsumer(
            async_redis,
            AlertStore(async_redis, max_open_per_room=cfg.ingest.max_open_alerts_per_room),
            self.metrics,
            cfg.rules,
            consumer=cfg.mqtt.client_id,
        )
        # Roll-ups for reports, kept on ingest by their own reader (redis-py sync, RESP2).
        analytics_redis = redis.Redis.from_url(cfg.redis.url, socket_timeout=30, protocol=2)
        analytics = AnalyticsConsumer(analytics_redis, shifts=cfg.analytics.shifts())
        app = create_app(
            async_redis,
            self.metrics,
            ingest,
            units=[Partition(site, unit) for site, unit in cfg.listed_units()],
            stopping=self.stop_event,
            max_snooze_minutes=cfg.rules.suppression.max_snooze_minutes,
            auth=cfg.auth,
            routers=[report_router(analytics_redis, outcomes=StoredOutcomes(analytics_redis))],
        )
        notifier = (
            Notifier.from_config(
                cfg.notify,
                async_redis,
                cfg.mqtt,
                self.metrics.registry,
                consumer=cfg.mqtt.client_id,
            )
            if cfg.notify.enabled
            else None
        )
        server = _Server(
            uvicorn.Config(
                app,
                host=cfg.web.host,
                port=cfg.web.port,
                log_level="warning",
                timeout_graceful_shutdown=2,
                lifespan="off",
            )
        )

        ingest.start()
        for presence in presences:
            presence.start()
        rules_task = asyncio.create_task(consumer.run(self.stop_event), name="rules")
        web_task = asyncio.create_task(server.serve(), name="web")
        # Not in the FIRST_COMPLETED wait: a notifier failure is logged, the ward feed runs on.
        analytics_task = asyncio.create_task(analytics.run(self.stop_event), name="analytics")
        notify_tasks = (
            [asyncio.create_task(notifier.run(self.stop_event), name="notify")] if notifier else []
        )
        while not server.started and not web_task.done():
            await asyncio.sleep(0.05)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            print(f"nurse-station feed: http://{cfg.web.host}:{port}/", flush=True)
        stopper = asyncio.create_task(self.stop_event.wait())
        await asyncio.wait({web_task, rules_task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        logger.info("aggregator stopping")

        self.stop_event.set()
        server.should_exit = True
        await asyncio.gather(
            web_task, rules_task, analytics_task, *notify_tasks, return_exceptions=True
        )
        for presence in reversed(presences):
            presence.stop()
        ingest.stop()
        await async_redis.aclose()
        analytics_redis.close()
        sync_redis.close()
        logger.info("aggregator stopped")
