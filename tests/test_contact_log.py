"""The contact log on the office built with known answers, on both databases: the contacts the figures count
(no notes, nothing planned), by kind, team and result, an operator limited to their own clients, and the same
filters on the API."""

from __future__ import annotations

import re
from typing import Any

import httpx

from callcenter.auth.services import OWN_CLIENTS_ONLY
from callcenter.models import AppSetting
from callcenter.models.enums import Role
from tests.conftest import MakeUser, login_as
from tests.test_metrics import office  # noqa: F401  (the fixture)

WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def rows(html: str) -> int:
    return len(re.findall(r'<tr data-interaction="\d+">', html))


async def test_the_contact_log_lists_what_the_figures_count(http: httpx.AsyncClient, office: dict[str, Any],  # noqa: F811
                                                            make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER))
    anna = office["anna"].id
    listed = await http.get("/interactions", params={"operator": anna, **WEEK})
    assert listed.status_code == 200 and rows(listed.text) == 5  # the note and the planned meeting are not here
    assert 'href="/interactions"' in listed.text  # in the menu, and reset
    for params, expected in (({"kind": "meeting"}, 1), ({"kind": "call"}, 4), ({"result": "counts"}, 2),
                             ({"result": "other"}, 1), ({"result": "none"}, 2), ({"kind": "note"}, 5)):
        page = await http.get("/interactions", params={"operator": anna, **WEEK, **params})
        assert rows(page.text) == expected, params  # a note is not a kind offered: the filter is ignored
    sales = await http.get("/interactions", params={"team": office["team_a"].id, **WEEK})
    assert rows(sales.text) == 6  # Anna's five and Boris's one; Vera is in the other team
    everyone = await http.get("/interactions", params=WEEK)
    assert rows(everyone.text) == 7 and "Sale" in everyone.text
    api = await http.get("/api/interactions", params={"user_id": anna, "contacts_only": "true",
                                                      "has_result": "false", "from": "2026-03-02T00:00:00Z",
                                                      "to": "2026-03-09T00:00:00Z"})
    assert api.status_code == 200 and api.json()["total"] == 2
    assert all(item["disposition"] is None for item in api.json()["items"])
    assert (await http.get("/api/interactions", params={"result_counts": "maybe"})).status_code == 422


async def test_an_operator_limited_to_own_clients_sees_only_theirs(http: httpx.AsyncClient, db: Any,
                                                                   office: dict[str, Any]) -> None:  # noqa: F811
    db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=True))
    await db.commit()
    await login_as(http, office["boris"])
    page = await http.get("/interactions", params=WEEK)
    assert rows(page.text) == 1 and "C3" in page.text and "C1" not in page.text


async def test_someone_who_left_keeps_their_figures_links_and_odd_numbers_are_no_filter(
        http: httpx.AsyncClient, db: Any, office: dict[str, Any], make_user: MakeUser) -> None:  # noqa: F811
    anna = office["anna"]
    anna.is_active = False
    await db.commit()
    await login_as(http, await make_user(Role.MANAGER))
    page = await http.get("/interactions", params={"operator": anna.id, **WEEK})
    assert rows(page.text) == 5 and f'<option value="{anna.id}" selected>' in page.text
    calls = await http.get("/calls", params={"operator": anna.id, **WEEK})
    assert len(re.findall(r'href="/calls/\d+/review"', calls.text)) == 4
    for path, params in (("/deals", {"owner": "0"}), ("/tasks", {"team": "²"}), ("/interactions", {"operator": "٣"}),
                         ("/calls", {"operator": "-1"}), ("/clients", {"owner": "99999999999999"})):
        assert (await http.get(path, params=params)).status_code == 200, (path, params)
