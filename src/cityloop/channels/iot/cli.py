"""`cityloop iot …`: device import and the ingest worker as its own process."""

from __future__ import annotations

import json
import signal
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cityloop.kit.auth import SYSTEM
from cityloop.kit.cli_run import in_session

iot_app = typer.Typer(help="IoT sensors over MQTT", no_args_is_help=True)
devices_app = typer.Typer(help="Device registry", no_args_is_help=True)
iot_app.add_typer(devices_app, name="devices")


@devices_app.command("import")
def import_devices(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/XLSX: device_id,kind,metric,unit,"
                                         "threshold_high,lng,lat (optional threshold_low, hysteresis, "
                                         "offline_minutes)")],
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")] = False,
) -> None:
    """Import devices (one row per device and metric); nothing is written if any row is bad."""
    from cityloop.channels.iot import service

    report = in_session(lambda s: service.import_sensors(s, SYSTEM, file.read_bytes(), file.name, keep_good))
    typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))


@iot_app.command("compact")
def compact(
    days: Annotated[int | None, typer.Option(help="Keep this many days of raw readings (default: the "
                                                   "iot_raw_retention_days setting).", min=1)] = None,
) -> None:
    """Roll raw readings older than the retention period into hourly min/max/avg/count rows and delete them."""
    from cityloop.channels.iot import service

    done = in_session(lambda s: service.compact(s, days=days))
    typer.echo(json.dumps(asdict(done)))


@iot_app.command("run")
def run() -> None:
    """Run the ingest worker in this process until interrupted (also runs inside `cityloop serve`)."""
    from cityloop.channels.iot.worker import Ingest, broker_answers
    from cityloop.config import get_settings

    url = get_settings().mqtt_url
    if not broker_answers(url):
        typer.echo(f"MQTT broker not reachable at {url}", err=True)
        raise typer.Exit(1)
    worker = Ingest(url)
    worker.start()
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    typer.echo(f"IoT ingest subscribed at {url}; Ctrl-C to stop")
    try:
        while not stop["now"]:
            time.sleep(5)
            typer.echo(json.dumps(dict(worker.counts)))
    except KeyboardInterrupt:
        pass
    worker.stop()
