"""Evaluation on labelled real thermal recordings (a folder with an `index.csv`)."""
