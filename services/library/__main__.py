import eventlet

eventlet.monkey_patch()

from services.common.runner import main  # noqa: E402  (after the monkey patch)

main("library")
