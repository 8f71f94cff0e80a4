"""The network's pages in a browser: the coordinator's at 1366 px, the relais'
at 360 px (no sideways scroll); axe-core finds no serious or critical violation."""

import datetime
import json

from django.utils import timezone

from reseau import services
from tests.browser.conftest import screenshot
from tests.browser.test_relais_space import _axe, log_in, scroll_width
from tests.helpers import plan_reunion
from tests.reseau.conftest import net  # noqa: F401 — the network fixture

LINK = "https://video.example/kit"


def _network_world(world, net):  # noqa: F811
    services.network_figures_refresh(network=net.network, year=timezone.localdate().year)
    kit = services.document_create(
        organisation=net.network, by=net.coordinator, title="Kit de sensibilisation", kind="kit", audience="relais",
        link=LINK,
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=9)
    comite = plan_reunion(
        world, start, organisation=net.network, by=net.coordinator, kind="comite", title="Comité", address="Lyon"
    )
    services.guests_invite(reunion=comite, by=net.coordinator, relais=[world.relais_a])
    return kit, comite


def test_the_relais_reach_the_network_from_the_phone(world, net, live_server, page):  # noqa: F811
    kit, _ = _network_world(world, net)
    log_in(page, live_server, world.relais_user_a)
    problems = {}
    for name, url in {"bibliotheque": "/bibliotheque/", "document": f"/bibliotheque/{kit.pk}/",
                      "reunions": "/reunions/mes-reunions/"}.items():  # fmt: skip
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        screenshot(page, f"reseau-relais-{name}")
        assert scroll_width(page) <= 360, f"{url} scrolls sideways on a 360-px screen"
        problems[url] = _axe(page)
    assert {u: v for u, v in problems.items() if v} == {}, json.dumps(problems, indent=1, ensure_ascii=False)


def test_the_coordinators_pages_pass_axe(world, net, live_server, desktop):  # noqa: F811
    kit, comite = _network_world(world, net)
    log_in(desktop, live_server, net.coordinator)
    problems = {}
    year = timezone.localdate().year
    for name, url in {
        "reseau": "/reseau/",
        "chiffres": f"/reseau/{net.network.pk}/chiffres/?annee={year}",
        "reunions": f"/reseau/{net.network.pk}/reunions/",
        "invites": f"/reseau/reunions/{comite.pk}/invites/",
        "bibliotheque": "/bibliotheque/",
        "document": f"/bibliotheque/{kit.pk}/",
        "ajouter": "/bibliotheque/ajouter/",
    }.items():
        response = desktop.goto(live_server.url + url)
        assert response.status == 200, url
        screenshot(desktop, f"reseau-coordination-{name}")
        problems[url] = _axe(desktop)
    assert {u: v for u, v in problems.items() if v} == {}, json.dumps(problems, indent=1, ensure_ascii=False)
