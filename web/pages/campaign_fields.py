"""The campaign editor's fields: read from a posted form or a stored campaign, turned into the service's
input (``CampaignIn`` / ``CampaignPatch``), and its complaints put next to the fields in the reader's language.

Call windows are written per weekday as ``09:00-13:00, 14:00-20:00``; the abandoned-call target in percent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from callcenter.campaigns.schemas import WEEKDAYS, CampaignRules, window_problem
from web.i18n import Translator
from web.pages.context import Page

INT_RULES = ("busy_retry_minutes", "failed_retry_minutes", "max_attempts_per_number", "max_attempts_per_client",
             "ring_timeout_s", "preview_countdown_s", "max_lines")
FLOAT_RULES = ("no_answer_retry_hours", "machine_retry_hours", "connect_window_s")
CHOICE_RULES = ("machine_action", "order", "regulator_window", "default_timezone")
NUMBERS = (*INT_RULES, *FLOAT_RULES, "abandon_percent", "refresh_minutes")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def windows_text(spans: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in spans)


def parse_windows(text: str) -> list[list[str]] | str:
    """``"09:00-13:00, 14:00-20:00"`` -> ``[["09:00", "13:00"], ["14:00", "20:00"]]``; the text itself when it is
    not written that way (so the schema refuses it and names the day)."""
    spans: list[list[str]] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        start, dash, end = part.partition("-")
        if not dash:
            return text
        spans.append([start.strip().zfill(5), end.strip().zfill(5)])
    return spans


def _number(text: str, kind: type[int] | type[float]) -> Any:
    """The typed number, or the text itself so that the schema names the field that is wrong."""
    text = text.strip().replace(",", ".")
    try:
        return kind(text) if kind is float else int(text)
    except ValueError:
        return text


@dataclass(slots=True)
class CampaignForm:
    """What the editor shows and sends back, every value as typed."""

    name: str = ""
    segment_id: str = ""
    mode: str = "progressive"
    refresh_minutes: str = ""
    team_id: str = ""
    operator_ids: list[str] = field(default_factory=list)
    caller_id: str = ""
    queue: str = ""
    windows: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls) -> CampaignForm:
        return cls.from_rules(cls(), CampaignRules().model_dump())

    @classmethod
    def from_campaign(cls, c: dict[str, Any]) -> CampaignForm:
        form = cls(name=c["name"], segment_id=_text(c["segment_id"]), mode=c["mode"],
                   refresh_minutes=_text(c["refresh_minutes"]), team_id=_text(c["team_id"]),
                   operator_ids=[str(u) for u in c["operator_ids"]], caller_id=c["caller_id"] or "",
                   queue=c["queue"] or "")
        return cls.from_rules(form, CampaignRules.model_validate({**CampaignRules().model_dump(), **c["rules"]})
                              .model_dump())

    @staticmethod
    def from_rules(form: CampaignForm, rules: dict[str, Any]) -> CampaignForm:
        form.windows = {day: windows_text(rules["windows"].get(day, [])) for day in WEEKDAYS}
        form.rules = {name: _text(rules[name]) for name in (*INT_RULES, *FLOAT_RULES, *CHOICE_RULES)}
        form.rules["abandon_percent"] = f"{rules['abandon_target'] * 100:g}"
        return form

    @classmethod
    def from_page(cls, pg: Page) -> CampaignForm:
        return cls(
            name=pg.value("name", 300), segment_id=pg.value("segment_id", 20), mode=pg.value("mode", 20),
            refresh_minutes=pg.value("refresh_minutes", 20), team_id=pg.value("team_id", 20),
            operator_ids=[v for v in pg.values("operator_ids", 20) if v], caller_id=pg.value("caller_id", 64),
            queue=pg.value("queue", 100),
            windows={day: pg.value(f"windows_{day}", 300) for day in WEEKDAYS},
            rules={name: pg.value(name, 64) for name in (*INT_RULES, *FLOAT_RULES, *CHOICE_RULES, "abandon_percent")},
        )

    def payload(self) -> dict[str, Any]:
        """The service input; blanks of optional fields are None, numbers typed where they can be."""
        rules: dict[str, Any] = {name: self.rules.get(name, "") for name in CHOICE_RULES}
        rules["windows"] = {day: parse_windows(self.windows.get(day, "")) for day in WEEKDAYS}
        for name in INT_RULES:
            text = self.rules.get(name, "")
            rules[name] = None if name == "max_lines" and not text else _number(text, int)
        for name in FLOAT_RULES:
            rules[name] = _number(self.rules.get(name, ""), float)
        percent = _number(self.rules.get("abandon_percent", ""), float)
        rules["abandon_target"] = round(percent / 100, 6) if isinstance(percent, float) else percent
        return {
            "name": self.name, "segment_id": _number(self.segment_id, int) if self.segment_id else None,
            "mode": self.mode, "refresh_minutes": _number(self.refresh_minutes, int) if self.refresh_minutes else None,
            "team_id": _number(self.team_id, int) if self.team_id else None,
            "operator_ids": [_number(u, int) for u in self.operator_ids],
            "caller_id": self.caller_id, "queue": self.queue or None, "rules": rules,
        }


_RULE_FIELDS = {"abandon_target": "abandon_percent"}


def _key(loc: tuple[Any, ...]) -> str:
    """A complaint's place on the form: ``rules.windows.mon`` is shown under Monday's windows."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["rules"] and len(parts) > 1:
        if parts[1] == "windows" and len(parts) > 2 and parts[2] in WEEKDAYS:
            return f"windows_{parts[2]}"
        return "windows" if parts[1] == "windows" else _RULE_FIELDS.get(parts[1], parts[1])
    if parts[:1] == ["operator_ids"]:
        return "operator_ids"
    return parts[0] if parts else "form"


# The schema's own error types, said in the reader's language (campaigns.err.<type>).
_OWN_ERRORS = ("bad_phone", "unknown_timezone", "window_format", "window_order", "window_overlap", "window_count",
               "windows_empty")


def _reason(t: Translator, item: Any) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind in _OWN_ERRORS:
        return t(f"campaigns.err.{kind}", **{k: str(v) for k, v in ctx.items()})
    if kind == "list_type" and tuple(item["loc"][:2]) == ("rules", "windows"):
        return t("campaigns.err.window_format")
    if kind in ("missing", "string_too_short"):
        return t("err.required")
    if kind in ("string_too_long", "too_long"):
        return t("err.too_long")
    if kind in ("enum", "literal_error"):
        return t("err.choice")
    if kind in ("greater_than_equal", "greater_than"):
        return t("campaigns.err.at_least", value=_text(ctx.get("ge", ctx.get("gt"))))
    if kind in ("less_than_equal", "less_than"):
        return t("campaigns.err.at_most", value=_text(ctx.get("le", ctx.get("lt"))))
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing", "int_from_float"):
        return t("campaigns.err.number")
    return t("err.invalid")


def window_errors(t: Translator, windows: dict[str, str]) -> dict[str, str]:
    """Each weekday's windows checked on their own, so that every wrong day is named at once (the schema stops
    at the first)."""
    found: dict[str, str] = {}
    for day in WEEKDAYS:
        spans = parse_windows(windows.get(day, ""))
        problem = window_problem(day, spans) if isinstance(spans, list) else None
        if isinstance(spans, str):
            found[f"windows_{day}"] = t("campaigns.err.window_format")
        elif problem is not None:
            found[f"windows_{day}"] = _reason(t, {"type": problem.type, "ctx": problem.context, "loc": ()})
    return found


def schema_errors(t: Translator, exc: ValidationError, windows: dict[str, str] | None = None) -> dict[str, str]:
    """``{form field: the complaint in the reader's language}``, the first one per field; with the form's
    ``windows`` text, every wrong weekday too."""
    found: dict[str, str] = window_errors(t, windows) if windows is not None else {}
    for item in exc.errors():
        key = _key(tuple(item["loc"]))
        day = str((item.get("ctx") or {}).get("day", ""))
        if key == "windows" and day in WEEKDAYS:
            key = f"windows_{day}"  # "mon: windows overlap" is Monday's
        if key == "abandon_percent" and item["type"] in ("less_than_equal", "greater_than_equal"):
            found.setdefault(key, t("campaigns.err.abandon"))
        found.setdefault(key, _reason(t, item))
    return found
