"""Edge agent: runs on the sensor box. sources → perception → engines → outbox → MQTT.

Frames never leave this package; only `protocol` events do.
"""
