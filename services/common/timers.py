"""A timer whose interval is a setting: nameko's own takes it when the class is defined,
before any settings are read."""
from nameko.timer import Timer


class SettingsTimer(Timer):
    def __init__(self, setting, eager=False, **kwargs):
        self.setting = setting
        super().__init__(interval=None, eager=eager, **kwargs)

    def setup(self):
        self.interval = float(getattr(self.container.config["CM"], self.setting))
        super().setup()


every = SettingsTimer.decorator
