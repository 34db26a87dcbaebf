"""Alerts: the IHE ACM / FHIR DeviceAlert-like model, its pure lifecycle and its Redis store."""
