"""A pipeline run a newcomer can read: the console shows one line per finished Dagster step (with its time), failed
checks and failures with their error; everything else — Dagster's DEBUG event stream, dbt's log lines, library
output from C extensions and subprocesses — goes to a log file. The run's events are stored by the Dagster instance
as always, so the Dagster UI keeps the complete structured log whatever the console shows."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, TextIO

import dagster as dg
from dagster import DagsterEventType
from rich.console import Console
from rich.markup import escape

PROGRESS_LOGGER = "benchcrm_progress"


@contextmanager
def output_to_file(path: Path) -> Iterator[TextIO]:
    """Send file descriptors 1 and 2 (Python's print and logging, C extensions, child processes such as dbt) to
    `path` for the duration; yield a text stream on the original standard output for what should still be seen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    terminal = os.fdopen(os.dup(saved[1]), "w", buffering=1, encoding="utf-8", errors="replace")
    with path.open("a", buffering=1, encoding="utf-8", errors="replace") as log:
        try:
            for fd in saved:
                os.dup2(log.fileno(), fd)
            # sys.stdout/stderr too: they need not write through fds 1 and 2 (a test runner's capture does not)
            with redirect_stdout(log), redirect_stderr(log):
                yield terminal
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            terminal.close()


def _error_text(error: Any) -> str:
    """The user's own exception (Dagster wraps it in "Error occurred while executing op …"), first lines only."""
    while error is not None and error.cause is not None and error.cls_name and error.cls_name.startswith("Dagster"):
        error = error.cause
    if error is None:
        return "unknown error"
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])[:400]


class ProgressHandler(logging.Handler):
    """Turns Dagster step events into one console line each: `[k/N] ✓ step  12.3 s`."""

    def __init__(self, console: Console, total: int) -> None:
        super().__init__(level=logging.DEBUG)
        self.console = console
        self.total = total
        self.done = 0
        self.finished: set[str] = set()
        self.started: dict[str, float] = {}
        self.failed_checks: dict[str, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
            if event is not None:
                self._show(event)
        except Exception:  # a progress line must never break the run
            self.handleError(record)

    def _line(self, mark: str, step: str, detail: str) -> None:
        self.done += 1
        self.finished.add(step)
        width = len(str(self.total))
        self.console.print(f"[dim][{self.done:>{width}}/{self.total}][/] {mark} {escape(step)}  {detail}",
                           highlight=False, soft_wrap=True)
        for check in self.failed_checks.pop(step, []):  # evaluated inside the step, shown under its line
            self.console.print(f"{' ' * (2 * width + 3)} [yellow]![/] {escape(check)}", highlight=False)

    def not_run(self, steps: list[str]) -> None:
        """Steps that never started because an upstream step failed (Dagster logs no step event for them)."""
        missing = [step for step in steps if step not in self.finished]
        if missing:
            self.console.print(f"[yellow]-[/] not run, an upstream step failed: {escape(', '.join(missing))}",
                               highlight=False)

    def _show(self, event: Any) -> None:
        kind, step = event.event_type, event.step_key or ""
        if kind == DagsterEventType.STEP_START:
            self.started[step] = time.monotonic()
        elif kind == DagsterEventType.STEP_SUCCESS:
            self._line("[green]✓[/]", step, f"[dim]{event.event_specific_data.duration_ms / 1000:.1f} s[/]")
        elif kind == DagsterEventType.STEP_FAILURE:
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            error = escape(_error_text(event.event_specific_data.error))
            self._line("[red]✗[/]", step, f"[dim]{seconds:.1f} s[/]  [red]{error}[/]")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self._line("[yellow]-[/]", step, "[yellow]skipped[/]")
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            check = event.event_specific_data
            if not check.passed:
                self.failed_checks.setdefault(step, []).append(
                    f"check {check.asset_key.to_user_string()}:{check.check_name} failed ({check.severity.value})")


def progress_logger(handler: ProgressHandler) -> dg.LoggerDefinition:
    @dg.logger(description="One console line per finished step, failed checks and errors (benchcrm demo).")
    def _progress(init_context: dg.InitLoggerContext) -> logging.Logger:
        log = logging.Logger(f"{PROGRESS_LOGGER}.{init_context.run_id}", level=logging.DEBUG)  # not registered
        log.addHandler(handler)
        return log

    return _progress


def with_progress(job: dg.JobDefinition, progress: ProgressHandler) -> tuple[dg.JobDefinition, dict[str, Any]]:
    """`job` with the progress logger beside its own, and the run config that starts both: the default console
    logger at DEBUG (what it prints when no logger is configured), which `execute_with_progress` sends to the file."""
    loggers = {**(job.loggers or dg.default_loggers()), PROGRESS_LOGGER: progress_logger(progress)}
    # A logger runs only when the run config names it.
    run_config: dict[str, Any] = {"loggers": {name: {} for name in loggers}}
    if "console" in loggers:
        run_config["loggers"]["console"] = {"config": {"log_level": "DEBUG"}}
    return job.with_logger_defs(loggers), run_config


def execute_with_progress(job: dg.JobDefinition, instance: dg.DagsterInstance, log_path: Path, *,
                          run_id: str | None = None, partition_key: str | None = None,
                          tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
    """Run `job` in process on `instance`: one progress line per step on the real console, everything else
    (Dagster's console logger at DEBUG, dbt, prints, C extensions, child processes) into `log_path`."""
    steps = [node.name for node in job.nodes_in_topological_order]
    with output_to_file(log_path) as terminal:
        progress = ProgressHandler(Console(file=terminal, force_terminal=terminal.isatty(), soft_wrap=True),
                                   len(steps))
        progress_job, run_config = with_progress(job, progress)
        result = progress_job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False,
                                                 run_id=run_id, partition_key=partition_key, tags=tags)
        progress.not_run(steps)
        return result
