"""The clinical core: pure functions over typed models, free of Django and I/O."""
