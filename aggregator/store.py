"""Redis key layout of the aggregator, in one place.

Everything about one site/unit partition shares the Redis Cluster hash tag ``{site:unit}``,
so the ingest script (dedupe + append) and the alert writes stay in one slot. Readers and
writers import the key builders from here; nobody formats a key by hand elsewhere.

    ambient:{site:unit}:events          stream of accepted events and agent statuses
    ambient:{site:unit}:seen:<id>       dedupe marker (SET NX EX), same slot as the stream
    ambient:{site:unit}:alert:<id>      hash: one alert (fields JSON-encoded)
    ambient:{site:unit}:alerts:active   sorted set of unresolved alerts (priority, then age)
    ambient:{site:unit}:agent-alerts    hash agent_id -> id of its open sensor-offline alert
    ambient:{site:unit}:rooms           hash room -> JSON room state (occupancy)
    ambient:partitions                  set of "site:unit" partitions seen by ingest
    ambient:alert-index                 hash alert_id -> "site:unit"
    ambient:agents:<site>               hash agent_id -> last AgentStatus JSON
    ambient:{deadletter}:events         stream of rejected messages (reason, topic, payload)
    ambient:{deadletter}:counts         hash reason -> count
    ambient:{site:unit}:feed            pub/sub channel: every alert change of a unit
"""

from dataclasses import dataclass

PREFIX = "ambient"
PARTITIONS_KEY = f"{PREFIX}:partitions"
ALERT_INDEX_KEY = f"{PREFIX}:alert-index"
DEADLETTER_STREAM = f"{PREFIX}:{{deadletter}}:events"
DEADLETTER_COUNTS = f"{PREFIX}:{{deadletter}}:counts"
RULES_GROUP = "rules"


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    """One site/unit: the unit of ordering, of stream keys and of Cluster slots."""

    site: str
    unit: str

    @property
    def name(self) -> str:
        return f"{self.site}:{self.unit}"

    @classmethod
    def parse(cls, name: str) -> "Partition":
        site, _, unit = name.partition(":")
        if not site or not unit:
            raise ValueError(f"not a partition name: {name!r}")
        return cls(site, unit)

    def _key(self, suffix: str) -> str:
        return f"{PREFIX}:{{{self.name}}}:{suffix}"

    @property
    def events(self) -> str:
        return self._key("events")

    @property
    def feed(self) -> str:
        return self._key("feed")

    def seen(self, dedupe_id: str) -> str:
        return self._key(f"seen:{dedupe_id}")

    def alert(self, alert_id: str) -> str:
        return self._key(f"alert:{alert_id}")

    @property
    def active_alerts(self) -> str:
        return self._key("alerts:active")

    @property
    def agent_alerts(self) -> str:
        return self._key("agent-alerts")

    @property
    def rooms(self) -> str:
        return self._key("rooms")


def agents_key(site: str) -> str:
    return f"{PREFIX}:agents:{site}"


def feed_channel(part: Partition) -> str:
    """Pub/sub channel of one site's unit: every alert change, for its live feeds."""
    return part.feed


APPEND_ONCE_LUA = """
-- KEYS[1] partition stream, KEYS[2..n] dedupe markers (same hash tag, so one Cluster slot).
-- ARGV[1] ttl s, ARGV[2] maxlen (0: none), ARGV[3] recv_ts, then kind, payload, digest per
-- marker. One script is one atomic step: a crash never leaves a marker without its entry,
-- or the reverse. The marker holds the payload's digest, so a redelivery of the same bytes
-- is told from a different payload under the same id. Returns per marker 1 (appended),
-- 0 (the same payload seen before; '1' is a marker written before digests were kept) or
-- 2 (a different payload seen before under this id: a conflicting duplicate).
local ttl, maxlen, now = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local out = {}
for i = 2, #KEYS do
  local base = 4 + (i - 2) * 3
  local kind, payload, digest = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  if redis.call('SET', KEYS[i], digest, 'NX', 'EX', ttl) then
    if maxlen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*',
        'kind', kind, 'payload', payload, 'recv_ts', now)
    else
      redis.call('XADD', KEYS[1], '*', 'kind', kind, 'payload', payload, 'recv_ts', now)
    end
    out[#out + 1] = 1
  else
    local seen = redis.call('GET', KEYS[i])
    if seen == digest or seen == '1' then
      out[#out + 1] = 0
    else
      out[#out + 1] = 2
    end
  end
end
return out
"""
"""Deduplicate by id and append to one partition stream, a batch at a time, atomically."""
