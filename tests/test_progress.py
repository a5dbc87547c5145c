from sensor2text.progress import progress, stage


def test_a_bar_ends_with_one_line_in_a_log_and_nothing_when_quiet(capsys):
    with progress(4, "describing") as advance:
        advance(3)
        advance(1)
    err = capsys.readouterr().err
    assert "describing" in err and "4/4" in err
    with progress(4, "describing", quiet=True) as advance:
        advance(4)
    with progress(1, "describing") as advance:  # one item: no bar
        advance(1)
    assert capsys.readouterr().err == ""


def test_a_stage_is_one_line_on_stderr(capsys):
    stage("training the baselines")
    stage("hidden", quiet=True)
    captured = capsys.readouterr()
    assert captured.err == "training the baselines\n" and captured.out == ""
