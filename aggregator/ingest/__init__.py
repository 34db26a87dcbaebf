"""MQTT ingest: validate, bind payload to topic, dedupe + append to Redis, then PUBACK."""
