"""Listening in on a live call through the real server and the simulated PBX: a supervisor asks over HTTP,
their phone is rung with ChanSpy on the operator's channel, the live view shows who listens, the request
is audited, and the supervisor's leg is never logged as a call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models import AuditEntry, Call
from callcenter.models.enums import Role
from callcenter.settings import Settings
from telephony.ami.frames import action
from tests.conftest import MakeUser
from tests.hub.serving import next_of, socket_of
from tests.hub.test_desk_flow import signed_in
from tests.hub.test_pops import KNOWN, crm_with_pbx, ring
from tests.telephony.fake_ami import wait_for


async def test_a_supervisor_whispers_to_an_operator_on_a_live_call(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101", full_name="Anna")
    boss = await make_user(Role.SUPERVISOR, extension="2900", full_name="Boss")
    nobody = await make_user(Role.SUPERVISOR)  # no phone to ring
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, boss.login, query="live=1") as live:
        await next_of(live, "live.snapshot")
        async with signed_in(url, boss.login) as http:
            missing = await http.post("/api/live/calls/no-such-call/spy", json={"mode": "listen"})
            ring(demo, KNOWN, answer_after=0.5, talk=20.0)
            while (call := (await next_of(live, "live.call"))["call"])["state"] != "answered":
                pass
            linkedid = call["linkedid"]
            assert call["operator"] == anna.login and call["listening"] == []
            bad = await http.post(f"/api/live/calls/{linkedid}/spy", json={"mode": "shout"})
            asked = await http.post(f"/api/live/calls/{linkedid}/spy", json={"mode": "whisper"})
            assert asked.status_code == 202, asked.text
            while not (call := (await next_of(live, "live.call"))["call"])["listening"]:
                pass
            [listener] = call["listening"]
            assert (listener["login"], listener["mode"], listener["interface"]) == (boss.login, "whisper", "PJSIP/2900")
            assert call["linkedid"] == linkedid
            snapshot = (await http.get("/api/live")).json()
            [shown] = [c for c in snapshot["calls"] if c["linkedid"] == linkedid]
            assert shown["listening"][0]["mode"] == "whisper"
        async with signed_in(url, anna.login) as http:
            refused = await http.post(f"/api/live/calls/{linkedid}/spy", json={"mode": "listen"})
        async with signed_in(url, nobody.login) as http:
            no_phone = await http.post(f"/api/live/calls/{linkedid}/spy", json={"mode": "listen"})
        while (await next_of(live, "live.call", timeout=30))["call"]["state"] != "ended":
            pass
        await wait_for(lambda: demo.telephony.connector.tracker.active_calls == (), limit=10)
    assert missing.status_code == 404 and missing.json()["error"] == "call-not-live"
    assert bad.status_code == 422
    assert refused.status_code == 403
    assert no_phone.status_code == 422 and no_phone.json()["error"] == "no-extension"
    assert asked.json()["operator"] == anna.login and asked.json()["interface"] == "PJSIP/2900"
    assert asked.json()["operator_interface"] == "PJSIP/101"  # the device the PBX said answered
    origins = demo.simulator.pbx.factory  # the supervisor's leg is gone with the call
    assert not origins.live
    logged = (await db.scalars(select(Call))).all()
    assert [c.linkedid for c in logged] == [linkedid]  # one call: the supervisor's leg is not one
    audits = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "listen_live"))).all()
    assert [(a.user_id, a.entity, a.changes["linkedid"], a.changes["mode"], a.changes["operator"]) for a in audits] == [
        (boss.id, "call", linkedid, "whisper", anna.login)]


async def test_a_chanspy_started_elsewhere_leaves_the_supervisors_desk_as_no_call(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    """Without the CRM's CRM_SPY_MODE the leg pops on the supervisor's desk until ChanSpy starts spying;
    then it leaves the desk and the board, with no wrap-up, and is never logged."""
    await make_user(Role.OPERATOR, extension="101")
    boss = await make_user(Role.SUPERVISOR, extension="2900")
    async with (crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, boss.login) as desk,
                socket_of(url, boss.login, query="live=1") as live):
        await next_of(desk, "hello")
        await next_of(live, "live.snapshot")
        ring(demo, KNOWN, answer_after=0.5, talk=60.0)
        while (call := (await next_of(live, "live.call"))["call"])["state"] != "answered":
            pass
        connector = demo.telephony.connector
        channel = connector.tracker.channel_in(call["linkedid"], "PJSIP/101")
        assert channel is not None
        answer = await connector.client.send_action(action(
            "Originate", ActionID="other-tool-1", Channel="PJSIP/2900", Application="ChanSpy", Data=f"{channel},qE",
            CallerID='"Supervisor" <2900>', Async="true"), 5)
        assert answer.get("Response") == "Success"
        pop = await next_of(desk, "pop")
        leg = pop["call"]["linkedid"]
        ended = await next_of(desk, "ended")
        assert ended["call"]["linkedid"] == leg and ended["wrap_up"] is False
        while not (watched := (await next_of(live, "live.call"))["call"])["listening"]:
            pass
        assert watched["linkedid"] == call["linkedid"] and watched["listening"][0]["mode"] == "spy"
        while (await next_of(live, "live.call", timeout=30))["call"]["state"] != "ended":
            pass
        await wait_for(lambda: connector.tracker.active_calls == (), limit=10)
    logged = (await db.scalars(select(Call))).all()
    assert [c.linkedid for c in logged] == [call["linkedid"]]
