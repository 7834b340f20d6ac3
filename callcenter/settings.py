"""One settings object, read from ``CALLCENTER_*`` environment variables and an optional file."""

from __future__ import annotations

import os
import secrets
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every default works out of the box on the embedded (SQLite) setup."""

    model_config = SettingsConfigDict(
        env_prefix="CALLCENTER_",
        env_file=("callcenter.env",),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file, secret key and uploads.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means sqlite+aiosqlite:///<data_dir>/callcenter.db.",
    )
    secret_key: str = Field(
        default="",
        description="Key for signing; empty means generated once and kept in <data_dir>/secret_key.",
    )
    default_region: str = Field(default="RU", description="Region for phone numbers written without a country code.")
    host: str = Field(default="127.0.0.1", description="Address `callcenter serve` listens on.")
    port: int = Field(default=8000, description="Port `callcenter serve` listens on.")
    session_days: int = Field(default=14, description="Days a login session lives without use.")
    cookie_secure: bool = Field(default=False, description="Send the session cookie over HTTPS only.")
    login_window_seconds: int = Field(
        default=3600, ge=60,
        description="How long a failed login is remembered, for the delays and the per-address budget below.",
    )
    login_max_delay_seconds: int = Field(
        default=300, ge=1,
        description="Each failed login makes the next try of the same login from the same address wait twice as "
                    "long (1 s, 2 s, 4 s ...), up to this many seconds; other addresses are not slowed.",
    )
    login_max_failures_per_address: int = Field(
        default=100, ge=1,
        description="Failed logins, over all logins, one address may make within the window before it is refused.",
    )
    operators_own_clients_only: bool = Field(
        default=False,
        description="Initial value of the admin switch restricting operators to their own clients.",
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    agi_host: str = Field(default="127.0.0.1", description="Address the FastAGI server listens on (Asterisk connects here).")
    agi_port: int = Field(default=4573, description="Port the FastAGI server listens on.")
    ami_host: str = Field(default="127.0.0.1", description="Address of Asterisk's manager interface (AMI).")
    ami_port: int = Field(default=5038, description="Port of Asterisk's manager interface.")
    ami_username: str = Field(default="crm", description="AMI user (a section of Asterisk's manager.conf).")
    ami_secret: str = Field(default="", repr=False, description="That AMI user's secret; it is never logged.")
    embedded_telephony: bool = Field(
        default=True,
        description="`serve` runs the AMI connector, the call logger and FastAGI in its own process; "
                    "false when `callcenter telephony` runs them elsewhere.",
    )
    broker_url: str = Field(
        default="",
        description="Redis URL (redis://host:6379/0) that carries call events and desk commands between "
                    "processes; empty on the embedded default, where one process does everything.",
    )
    broker_channel: str = Field(
        default="callcenter:events",
        description="Redis pub/sub channel of this installation (two CRMs on one Redis need two channels).",
    )
    dial_context: str = Field(
        default="outbound",
        description="Dialplan context click-to-call sends the number to once the operator's phone answers.",
    )
    dialer_max_lines: int = Field(
        default=30, ge=0,
        description="Calls the dialer may have going at once over all campaigns (the trunk's lines it may use).",
    )
    dialer_amd_false_positives: float = Field(
        default=0.01, ge=0, le=0.5,
        description="Share of people Asterisk's AMD() takes for an answering machine and hangs up on: abandoned "
                    "calls the dialer never sees, for which the predictive pacer keeps part of the budget.",
    )
    dialer_wrapup_seconds: float = Field(
        default=30.0, ge=0,
        description="An operator who has not saved a campaign call's result is offered the next call this many "
                    "seconds after it ended.",
    )
    dialer_context: str = Field(
        default="dialer-out",
        description="Dialplan context a campaign's calls are placed through (`Local/<number>@<context>`); its "
                    "answered part, which runs AMD and hands the client to an operator, is `<context>-answered`.",
    )
    ws_queue_size: int = Field(
        default=256, ge=8,
        description="Messages a browser socket may fall behind by before it is closed (it reconnects and is sent the state).",
    )
    ws_recheck_seconds: float = Field(
        default=5.0, gt=0, le=300,
        description="How often each web process checks that its open sockets' sessions, tokens, users, roles and "
                    "the own-clients-only switch still hold; a socket whose login no longer does is closed.",
    )
    ws_max_sockets_per_user: int = Field(
        default=8, ge=1,
        description="Open sockets (tabs, devices) one user may have in one web process; more are refused.",
    )
    ws_max_message_bytes: int = Field(
        default=4096, ge=256,
        description="Largest message a browser may send over its socket; a larger one closes it (code 1009).",
    )
    result_window_seconds: int = Field(
        default=300, ge=10,
        description="Seconds after an answered call ends within which the operator should set its result; "
                    "later, the call counts as 'no result set' until one is set.",
    )
    classes_months: int = Field(
        default=12, ge=1, le=60,
        description="The daily ABC/XYZ classification (callcenter worker) looks at this many whole months of sales.",
    )
    tails_days: int = Field(
        default=3, ge=0, le=365,
        description="A promised callback more than this many days overdue is a 'tail' in the manager's figures.",
    )
    callbacks_sweep_seconds: float = Field(
        default=30.0, gt=0, le=3600,
        description="How often the telephony process hands overdue callbacks on by each team's lateness policy.",
    )
    service_level_seconds: int = Field(
        default=20, ge=1, description="Service level: the share of queue calls answered within this many seconds.",
    )
    pbx_cel_url: str | None = Field(
        default=None, repr=False,
        description="Database URL of the table Asterisk's cel_odbc writes (postgresql+asyncpg://...): the true times "
                    "of calls that ended while the CRM was not listening. Empty: those times are estimates, flagged.")
    pbx_cel_table: str = Field(default="cel", description="Name of that CEL table.")
    pbx_cel_csv: Path | None = Field(
        default=None,
        description="Or the CSV file Asterisk's cel_custom writes on this host (see docs/asterisk.md).")
    recordings_dir: Path | None = Field(
        default=None,
        description="Folder where the PBX's call recordings are (Asterisk's monitor folder, mounted or synced); "
                    "empty means <data_dir>/recordings.",
    )
    recordings_retention_days: int = Field(
        default=0, ge=0,
        description="Delete a call's recording this many days after the call (the call, its result and its "
                    "reviews stay); 0 keeps recordings for ever.",
    )
    whisper_model: Path | None = Field(
        default=None,
        description="The Whisper model on this machine: for faster-whisper the folder of a CTranslate2 model, for "
                    "openai-whisper its checkpoint file (small.pt). Set, calls with a recording are transcribed by "
                    "`callcenter worker`. Empty: no transcripts, calls stay reviewable.",
    )
    whisper_backend: Literal["faster-whisper", "openai-whisper"] = Field(
        default="faster-whisper",
        description="faster-whisper (CTranslate2, int8: about three times the audio per CPU second, see "
                    "benchmarks/transcribe.py) or openai-whisper, the reference (torch; pip install -e "
                    "'.[whisper-reference]').",
    )
    whisper_languages: dict[str, str] = Field(
        default_factory=dict,
        description='Transcription language per queue, as JSON ({"support": "ru", "export": "en"}); a queue '
                    "not listed has its language detected.",
    )
    time_zone: str = Field(
        default="UTC",
        description="IANA time zone (Europe/Moscow) whose midnight starts the day the live view's 'today' figures count.",
    )

    @field_validator("default_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.upper()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder such as "Europe"
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'callcenter.db').resolve()}"

    @property
    def resolved_recordings_dir(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured key, or one generated on first use and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            # Created private from the start; O_EXCL makes a concurrent first start keep the other's key.
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
