"""Server-rendered pages for operators, supervisors and managers."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from web.pages import (
    call_review,
    calls_list,
    campaign_view,
    campaigns,
    client_card,
    client_form,
    client_rules,
    clients_list,
    contact_log,
    dashboard,
    deals_list,
    desk,
    dnc,
    importing,
    live,
    scorecard,
    segments,
    session,
    tasks_list,
)


def page_routes() -> list[BaseRoute]:
    """Every page route; ``web.app`` mounts them after the API and the static files."""
    return [
        Route("/", session.root, methods=["GET"]),
        Route("/login", session.login, methods=["GET", "POST"]),
        Route("/logout", session.logout, methods=["POST"]),
        Route("/lang/{code}", session.switch_language, methods=["GET"]),
        Route("/clients", clients_list.clients_list, methods=["GET"]),
        Route("/clients/new", client_form.client_new, methods=["GET", "POST"]),
        Route("/clients/{client_id:int}", client_card.client_card, methods=["GET"]),
        Route("/clients/{client_id:int}/edit", client_form.client_edit, methods=["GET", "POST"]),
        Route("/calls", calls_list.calls_list, methods=["GET"]),
        Route("/interactions", contact_log.contact_log, methods=["GET"]),
        Route("/deals", deals_list.deals_list, methods=["GET"]),
        Route("/calls/{call_id:int}/review", call_review.call_review, methods=["GET"]),
        Route("/campaigns", campaigns.campaigns_list, methods=["GET"]),
        Route("/campaigns/new", campaigns.campaign_new, methods=["GET", "POST"]),
        Route("/campaigns/{campaign_id:int}", campaign_view.campaign_view, methods=["GET"]),
        Route("/campaigns/{campaign_id:int}/edit", campaigns.campaign_edit, methods=["GET", "POST"]),
        Route("/campaigns/{campaign_id:int}/attempts", campaign_view.campaign_attempts, methods=["GET"]),
        Route("/campaigns/{campaign_id:int}/{action:str}", campaigns.campaign_action, methods=["POST"]),
        Route("/dnc", dnc.dnc_list, methods=["GET"]),
        Route("/dnc/add", dnc.dnc_add, methods=["POST"]),
        Route("/dnc/remove", dnc.dnc_remove, methods=["POST"]),
        Route("/tasks", tasks_list.tasks_list, methods=["GET"]),
        Route("/tasks/{task_id:int}/reassign", tasks_list.reassign, methods=["POST"]),
        Route("/review/criteria", scorecard.scorecard, methods=["GET", "POST"]),
        Route("/live", live.live_view, methods=["GET"]),
        Route("/metrics", dashboard.dashboard, methods=["GET"]),
        Route("/metrics/operators.{fmt:str}", dashboard.dashboard_export, methods=["GET"]),
        Route("/metrics/rules", client_rules.client_rules, methods=["GET", "POST"]),
        Route("/metrics/moves", client_rules.stage_moves, methods=["GET"]),
        Route("/desk", desk.desk, methods=["GET"]),
        Route("/import", importing.import_page, methods=["GET", "POST"]),
        Route("/segments", segments.segments_list, methods=["GET"]),
        Route("/segments/new", segments.segment_new, methods=["GET", "POST"]),
        Route("/segments/{segment_id:int}", segments.segment_edit, methods=["GET", "POST"]),
        Route("/segments/{segment_id:int}/delete", segments.segment_delete, methods=["POST"]),
    ]
