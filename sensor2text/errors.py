"""User-facing errors: one clear sentence, no traceback (the CLI catches these)."""


class Sensor2TextError(Exception):
    """Base class for every error a user can cause (bad file, bad config, missing checkpoint)."""


class RecordingError(Sensor2TextError):
    """A glove recording could not be read or does not fit the expected channels."""


class ConfigError(Sensor2TextError):
    """A configuration file or override is invalid (unknown key, wrong type or value)."""


class CheckpointError(Sensor2TextError):
    """A checkpoint folder is missing a file or holds something unexpected."""
