"""Analytics: incremental roll-ups of the partition streams, and the queries reports run."""
