"""Make the repository's custom_components importable ahead of the test harness's config dir."""

import custom_components  # noqa: F401
