"""The fuzz tier: property-based tests of every parser of device data and of user files.

A fixed example budget (``derandomize``: the same examples on every run, so CI is reproducible and a failure
is never flaky) keeps the whole tier under 30 s.  ``HYPOTHESIS_PROFILE=fuzz-long`` runs many more examples
when hunting by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fuzz-ci", max_examples=200, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("fuzz-long", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz-ci"))
