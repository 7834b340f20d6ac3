"""The ``callcenter`` command: the one place that wires every package together."""

from __future__ import annotations

import click

from callcenter.cli import admin, data, demo, server, simulate, simulate_dialer, telephony, transfer, worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Call-center CRM for Asterisk."""


for command in (*server.COMMANDS, *demo.COMMANDS, *admin.COMMANDS, *data.COMMANDS, *transfer.COMMANDS,
                *telephony.COMMANDS, *simulate.COMMANDS, *simulate_dialer.COMMANDS, *worker.COMMANDS):
    main.add_command(command)
