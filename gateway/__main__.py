import eventlet

eventlet.monkey_patch()

from gateway.main import main  # noqa: E402  (after the monkey patch)

main()
