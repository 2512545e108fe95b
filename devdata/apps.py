from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and load data: `load_demo` (the deterministic demo of `make run`) and
    `generate_load` (synthetic national data for the benchmark). Owns no model; it writes
    through `villages` and `enrollment`, which never import it."""

    name = "devdata"
    verbose_name = "Demo and load data"
