"""Nurse-station web feed and JSON API (FastAPI), live over Server-Sent Events."""
