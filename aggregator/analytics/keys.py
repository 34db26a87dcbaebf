"""Redis key layout of the analytics roll-ups, in one place.

Every key shares its partition's hash tag ``{site:unit}`` (one Redis Cluster slot per
partition), so one Lua call can apply a whole batch and its cursor atomically.

    ambient:{site:unit}:an:cursor                 last stream entry id applied
    ambient:{site:unit}:an:state                  hash room -> JSON state carried between
                                                  entries (people count and since; activity)
    ambient:{site:unit}:an:firsts                 hash "room|name" -> ms (admit, oob, walk)
    ambient:{site:unit}:an:day:<family>:<date>    hash "room|bed|metric" -> integer
    ambient:{site:unit}:an:hour:<family>:<date>T<HH>   the same per hour

Families: ``hh`` (hand hygiene), ``falls`` (falls, time on floor, bed exits), ``occ``
(occupied ms), ``mob`` (mobility sessions), ``act`` (home activity). Days and hours are UTC;
a report over a month reads ~30 hashes per family per unit, whatever the event volume.
"""

from datetime import date

from aggregator.store import Partition

FAMILIES = ("hh", "falls", "occ", "mob", "act", "models")


def cursor_key(part: Partition) -> str:
    return f"ambient:{{{part.name}}}:an:cursor"


def state_key(part: Partition) -> str:
    return f"ambient:{{{part.name}}}:an:state"


def firsts_key(part: Partition) -> str:
    return f"ambient:{{{part.name}}}:an:firsts"


def day_key(part: Partition, family: str, day: date | str) -> str:
    text = day.isoformat() if isinstance(day, date) else day
    return f"ambient:{{{part.name}}}:an:day:{family}:{text}"


def hour_key(part: Partition, family: str, hour: str) -> str:
    """``hour`` is ``YYYY-MM-DDTHH`` (UTC)."""
    return f"ambient:{{{part.name}}}:an:hour:{family}:{hour}"


def field_name(room: str, bed: str | None, metric: str) -> str:
    return f"{room}|{bed or ''}|{metric}"


def split_field(name: str) -> tuple[str, str | None, str]:
    room, bed, metric = name.split("|", 2)
    return room, bed or None, metric
