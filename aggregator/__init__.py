"""Aggregator: MQTT ingest → Redis Streams → rules and alerts → web feed and API."""
