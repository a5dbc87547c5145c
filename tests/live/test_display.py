import io
import json

from rich.console import Console

from sensor2text.live.display import JsonlSink, LiveDisplay, PrintSink

DESCRIPTION = {"event": "description", "text": "ten", "confidence": 0.91, "first_token_ms": 40.0,
               "latency_ms": 120.0, "start_s": 4.4, "end_s": 5.2, "reason": "hold"}  # fmt: skip
STATS = {"event": "stats", "frames": 520, "fps": 100.0, "bad_frames": 2, "bad_reasons": {"garbage": 2},
         "dropped_frames": 0, "skipped_gestures": 0, "state": "rest"}  # fmt: skip


def test_jsonl_one_object_per_event():
    out = io.StringIO()
    sink = JsonlSink(out, tokens=False)
    for event in ({"event": "connected", "port": "loop://"}, {"event": "token", "text": " te"}, DESCRIPTION):
        sink(event)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in lines] == ["connected", "description"] and lines[1]["text"] == "ten"


def test_print_sink_lines():
    out = io.StringIO()
    sink = PrintSink(out)
    sink({"event": "disconnected", "error": "gone", "retry_in_s": 0.5})
    sink(DESCRIPTION)
    sink({"event": "skipped", "start_s": 1.0, "end_s": 1.5, "reason": "a newer gesture ended"})
    sink({**STATS, "event": "end"})
    text = out.getvalue()
    assert "retrying in 0.5 s" in text and "ten" in text and "confidence 0.91" in text and "2 bad" in text
    assert "[1.0-1.5 s] skipped: a newer gesture ended" in text


def test_live_display_shows_state_partial_text_and_descriptions():
    out = io.StringIO()
    display = LiveDisplay("test", console=Console(file=out, force_terminal=True, width=160))
    display({"event": "connected", "port": "loop://"})
    display(STATS)
    display({"event": "gesture"})
    display({"event": "token", "text": " five and five make"})
    assert display.partial == " five and five make"
    display(DESCRIPTION)
    display.close()
    text = out.getvalue()
    assert "100 frames/s" in text and "garbage 2" in text and "ten" in text and "0.91" in text


def test_outside_text_reaches_no_terminal_as_escapes_or_markup():
    """A port error carrying terminal escapes and a stray rich closing tag: shown, not obeyed."""
    error = {"event": "disconnected", "error": "cannot open /dev/x\x1b[2J: [Errno 2] [/bold] gone", "retry_in_s": 0.5}
    out = io.StringIO()
    PrintSink(out)(error)
    assert "\x1b" not in out.getvalue() and "\\x1b[2J" in out.getvalue()
    screen = io.StringIO()
    display = LiveDisplay("test", console=Console(file=screen, force_terminal=False, width=200))
    display(error)
    display({**DESCRIPTION, "text": "ten [/red]"})
    display.close()
    assert "[/bold] gone" in screen.getvalue() and "ten [/red]" in screen.getvalue()
    assert "\x1b[2J" not in screen.getvalue()


def test_a_gestures_hand_is_drawn_in_the_panel_and_printed():
    hand = ["  *  ", "  o  ", "  w  "]
    out = io.StringIO()
    PrintSink(out)({"event": "gesture", "start_s": 1.0, "end_s": 2.0, "hand": hand})
    assert out.getvalue().splitlines() == ["[1.0-2.0 s] the hand:", *hand]
    screen = io.StringIO()
    display = LiveDisplay("test", console=Console(file=screen, force_terminal=False, width=120))
    display({"event": "gesture", "start_s": 1.0, "end_s": 2.0, "hand": hand})
    display(DESCRIPTION)
    display.close()
    assert display.hand == hand and "  *  " in screen.getvalue()
