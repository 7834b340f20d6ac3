"""``callcenter worker``: runs the background jobs (transcriptions, the metrics rollup every five minutes, the
daily ABC/XYZ classification and lifecycle stages) in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

import click

from callcenter import periodic
from callcenter.analytics import jobs as classes
from callcenter.cli.common import run, settings
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.jobs.worker import Handler, Worker
from callcenter.metrics import jobs as rollups
from callcenter.settings import Settings
from callcenter.transcripts import jobs as transcription

log = logging.getLogger(__name__)


def handlers(s: Settings, sessions: Any) -> dict[str, Handler]:
    """The job kinds this worker can run with the settings it has."""
    found: dict[str, Handler] = {
        rollups.KIND: rollups.rollup_handler(sessions, s),
        classes.KIND: classes.classification_handler(sessions, s),
        classes.STAGES_KIND: classes.stages_handler(sessions, s),
    }
    if s.whisper_model is None:
        log.info("CALLCENTER_WHISPER_MODEL is not set: no transcriptions")
        return found
    from ml.whisper.backends import load_transcriber  # heavy: loaded only where it is used
    from ml.whisper.sides import ModelMissing

    try:
        transcriber = load_transcriber(s.whisper_backend, s.whisper_model)
    except ModelMissing as exc:
        # The jobs stay queued: a worker started once the model is in place takes them.
        log.error("%s", exc)
        return found
    found[transcription.KIND] = transcription.transcribe_handler(sessions, s, transcriber)
    return found


async def serve_worker(s: Settings) -> None:
    engine = create_engine(s.resolved_database_url)
    try:
        sessions = create_sessionmaker(engine)
        kinds = handlers(s, sessions)
        if not kinds:
            log.warning("no job kind can run here; waiting for a stop")
        worker = Worker(engine, kinds)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, worker.stop)
        log.info("worker %s running %s", worker.name, ", ".join(kinds) or "nothing")
        async with (
            periodic.every(rollups.EVERY_SECONDS, lambda: rollups.queue_rollup(sessions, s.time_zone),
                           name="metrics-rollup-schedule"),
            periodic.every(classes.EVERY_SECONDS, lambda: classes.queue_classification(sessions, s),
                           name="classification-schedule"),
        ):
            await worker.run()
    finally:
        await engine.dispose()


@click.command()
def worker() -> None:
    """Run background jobs (transcriptions) until interrupted; each job is finished before stopping."""
    run(serve_worker(settings()))


COMMANDS = [worker]
