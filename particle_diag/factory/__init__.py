"""Factory stations: a TOML station spec (``spec``), the parallel runner (``runner``), expectation checks
(``expectations``), machine-readable reports (``report``: JUnit XML, JSON records) and ``watch``.

The library returns data; only ``particle_diag.cli.commands.factory`` prints.
"""
