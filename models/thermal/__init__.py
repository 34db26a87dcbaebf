"""Training code of the `thermal-activity` model (torch is imported only inside `train`)."""
