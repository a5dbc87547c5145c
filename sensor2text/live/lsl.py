"""Lab Streaming Layer input: ``generate --stream lsl://NAME`` reads a glove's LSL outlet.

LSL (``pylsl``) is how IMU, EMG and data-glove rigs in research labs publish samples on a local
network: an outlet named NAME sends frames of a fixed channel count at a nominal rate. The
source waits for the outlet (it may start after the stream), checks its channel count against
the checkpoint's device profile (a mismatch can never be read: the stream stops with one line),
and pulls chunks into the same pipeline as a serial glove. A frame with a non-finite value is
counted as bad, not fatal; an outlet that goes away is waited for again.
"""

from __future__ import annotations

import threading

import numpy as np

SCHEME = "lsl://"
RESOLVE_TIMEOUT_S = 1.0  # one wait for the outlet; the source retries until stopped
PULL_TIMEOUT_S = 0.05


def lsl_name(url: str) -> str | None:
    """``"lsl://glove"`` -> ``"glove"``; None for any other URL."""
    return url[len(SCHEME) :] if url.startswith(SCHEME) else None


def check_lsl_url(url: str) -> None:
    """ValueError in one line unless ``url`` names an LSL stream and pylsl can be imported."""
    name = lsl_name(url)
    if not name or not name.isprintable() or "/" in name:
        raise ValueError(f"--stream {url}: expected lsl://NAME, the name of an LSL outlet (e.g. lsl://glove).")
    try:
        import pylsl  # noqa: F401
    except (ImportError, RuntimeError, OSError) as error:  # no package, or its liblsl cannot load
        raise ValueError(f"--stream {url}: LSL input needs pylsl ('pip install pylsl'): {error}") from None


class LslSource(threading.Thread):
    """Pulls an LSL outlet's samples into a :class:`sensor2text.live.stream.FramePipeline`."""

    def __init__(self, url: str, pipeline):
        super().__init__(daemon=True, name="glove-lsl")
        self.url, self.name, self.pipeline = url, lsl_name(url), pipeline
        self.stop_event = threading.Event()
        self.connects = 0
        self.fatal: str | None = None  # why the outlet can never be read (the stream then stops)

    def run(self) -> None:
        try:
            self._serve()
        except Exception as error:  # pylsl's own failures: the stream stops with one line, not a stall
            self.fatal = f"--stream {self.url}: LSL input failed ({type(error).__name__}: {error})."

    def _serve(self) -> None:
        import pylsl

        lost = getattr(pylsl, "LostError", None) or __import__("pylsl.util", fromlist=["LostError"]).LostError
        waiting_said = False
        while not self.stop_event.is_set():
            found = pylsl.resolve_byprop("name", self.name, timeout=RESOLVE_TIMEOUT_S)
            if not found:
                if not waiting_said:
                    self.pipeline.emit({"event": "disconnected", "error": f"no LSL outlet named '{self.name}' yet",
                                        "retry_in_s": RESOLVE_TIMEOUT_S})  # fmt: skip
                    waiting_said = True
                continue
            info = found[0]
            wanted = self.pipeline.profile.num_channels
            if info.channel_count() != wanted:
                self.fatal = (f"--stream {self.url}: the outlet sends {info.channel_count()} channels, the "
                              f"checkpoint's profile {self.pipeline.profile.name} reads {wanted}.")  # fmt: skip
                return
            waiting_said = False
            self._read(pylsl.StreamInlet(info, recover=False), lost)

    def _read(self, inlet, lost_error) -> None:
        """Pull chunks until stopped or until the outlet is lost (then it is waited for again)."""
        self.connects += 1
        self.pipeline.emit({"event": "connected", "port": self.url})
        try:
            while not self.stop_event.is_set():
                samples, _ = inlet.pull_chunk(timeout=PULL_TIMEOUT_S)
                if samples:
                    self.pipeline.on_frames(self._frames(samples))
        except lost_error:
            self.pipeline.emit({"event": "disconnected", "error": f"LSL outlet '{self.name}' lost",
                                "retry_in_s": RESOLVE_TIMEOUT_S})  # fmt: skip
        finally:
            inlet.close_stream()

    def _frames(self, samples) -> list[np.ndarray]:
        frames = []
        for sample in np.asarray(samples, dtype=np.float32):
            if np.isfinite(sample).all():
                self.pipeline.stats.good += 1
                calibration = self.pipeline.profile.calibration
                frames.append(calibration.apply(sample) if calibration else sample)
            else:
                self.pipeline.stats.reject("non-finite value", f"LSL sample {sample[:4]}...")
        return frames

    def stop(self) -> None:
        self.stop_event.set()
