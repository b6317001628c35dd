"""`benchcrm demo`'s console: one line per finished step with its time, failed checks and errors; everything else
(Dagster DEBUG events, prints, output written straight to the file descriptors) in the log file; the Dagster
instance still stores the complete run log for the UI."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at definition time.

import os
import re
import subprocess
import sys

import dagster as dg
import pytest

from cli.progress import PROGRESS_LOGGER, ProgressHandler, execute_with_progress, with_progress


@dg.asset
def noisy(context: dg.AssetExecutionContext) -> int:
    context.log.debug("debug detail of noisy")
    context.log.info("info detail of noisy")
    print("print() noise")
    os.write(1, b"fd-1 noise\n")  # what a C extension or a child process writes
    os.write(2, b"fd-2 noise\n")
    return 1


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="checked")])
def checked(noisy: int):
    yield dg.Output(noisy + 1)
    yield dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, check_name="positive")


@dg.asset
def broken(checked: int) -> int:
    raise ValueError("the bench is empty")


@dg.asset
def downstream(broken: int) -> int:
    return broken


def _job(*assets) -> dg.JobDefinition:
    defs = dg.Definitions(assets=list(assets), jobs=[dg.define_asset_job("tiny", selection=dg.AssetSelection.all())])
    return defs.resolve_job_def("tiny")


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def test_console_shows_one_line_per_step_and_the_file_gets_everything(tmp_path, capfd, instance):
    log = tmp_path / "logs" / "pipeline.log"
    result = execute_with_progress(_job(noisy, checked), instance, log)
    print("after the run")  # the console is restored
    console = capfd.readouterr().out

    assert result.success
    lines = [line for line in console.splitlines() if line.strip()]
    assert re.fullmatch(r"\[1/2\] ✓ noisy  \d+\.\d s", lines[0]), lines
    assert re.fullmatch(r"\[2/2\] ✓ checked  \d+\.\d s", lines[1]), lines
    assert re.fullmatch(r"\s+! check checked:positive failed \(WARN\)", lines[2]), lines
    assert lines[3:] == ["after the run"]
    for noise in ("DEBUG", "STEP_START", "detail of noisy", "noise"):
        assert noise not in console

    text = log.read_text()
    for expected in (" - DEBUG - ", "STEP_START", "debug detail of noisy", "info detail of noisy",
                     "print() noise", "fd-1 noise", "fd-2 noise"):
        assert expected in text, expected
    stored = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert "debug detail of noisy" in stored  # the UI's run log is complete


def test_a_failure_shows_its_error_and_what_did_not_run(tmp_path, capfd, instance):
    result = execute_with_progress(_job(noisy, checked, broken, downstream), instance, tmp_path / "run.log")
    console = capfd.readouterr().out

    assert not result.success
    failure = next(line for line in console.splitlines() if "broken" in line)
    assert re.fullmatch(r"\[3/4\] ✗ broken  \d+\.\d s  ValueError: the bench is empty", failure), failure
    assert console.splitlines()[-1] == "- not run, an upstream step failed: downstream"
    assert "Stack Trace" not in console and "Stack Trace" in (tmp_path / "run.log").read_text()


def test_the_progress_loggers_fit_the_demo_job():
    """The run config the demo builds is valid for the real full_pipeline_job (its own console logger kept)."""
    from rich.console import Console

    from orchestration.definitions import defs

    job = defs().resolve_job_def("full_pipeline_job")
    progress_job, run_config = with_progress(job, ProgressHandler(Console(), total=1))
    assert set(progress_job.loggers) == {"console", PROGRESS_LOGGER}
    assert run_config["loggers"]["console"] == {"config": {"log_level": "DEBUG"}}
    assert dg.validate_run_config(progress_job, run_config)


def test_demo_has_a_verbose_flag():
    out = subprocess.run([sys.executable, "-m", "cli", "demo", "--help"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "COLUMNS": "200"}).stdout
    assert "--verbose" in out
