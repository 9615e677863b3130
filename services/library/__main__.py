import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # we pin it knowingly

import eventlet  # noqa: E402

eventlet.monkey_patch()

from services.common.runner import main  # noqa: E402  (after the monkey patch)

main("library")
