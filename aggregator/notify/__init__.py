"""Caregiver notifications of homes: falls, long lies, not seen, inactivity.

Read from the partition streams of configured homes through a consumer group, turned into
`Notification`s by pure rules and timers, queued durably in Redis, and delivered at least
once to signed webhooks and MQTT (optionally as Home Assistant entities).
"""
