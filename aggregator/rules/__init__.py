"""Rules: partition streams → pure alert transitions → alert store, via a consumer group."""
