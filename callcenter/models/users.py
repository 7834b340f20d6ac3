"""Users, teams, sessions, API tokens and login throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin, UTCDateTime, utcnow
from callcenter.models._types import JsonDoc, enum_column_type
from callcenter.models.enums import Role


class Team(IdMixin, TimestampMixin, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Open callbacks this late go to another operator of the team; None: they stay with their owner.
    callbacks_reassign_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"))
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True)
    # The dialled extension ("101") and the Asterisk interface its devices ring ("PJSIP/101").
    extension: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    agent_interface: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id], lazy="raise")


class WebSession(Base):
    """Server-side state behind the opaque session cookie; revoking a row logs the browser out."""

    __tablename__ = "web_sessions"

    # SHA-256 of the cookie value: a leaked table does not yield usable cookies.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)


class ApiToken(IdMixin, Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginFailure(IdMixin, Base):
    """A try to log in: written before the password is checked, kept while it counts as a failure."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_login_at", "login", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),  # the per-address budget
        Index("ix_login_failures_at", "at"),  # dropping those older than the window
    )

    login: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppSetting(Base):
    """Settings an admin changes at run time (the environment holds the rest)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JsonDoc)
