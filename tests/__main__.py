"""Run pytest under eventlet: `python -m tests [pytest args]`.

nameko's pytest plugin no longer monkey-patches, and patching from a conftest comes
too late (pytest has imported threading by then), so patch first, then start pytest.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # we pin it knowingly

import eventlet  # noqa: E402

eventlet.monkey_patch()

import sys  # noqa: E402

import pytest  # noqa: E402

sys.exit(pytest.main(sys.argv[1:]))
