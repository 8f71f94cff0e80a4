import datetime
import functools
import hashlib
from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from core import exports
from core.access import READERS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.views import form_page, paginate
from espace import selectors, services
from espace.exports import ACTIVITY
from espace.forms import ActivityForm, GuideForm
from espace.models import Guide
from relais.models import Relais


@role_required(*RELAIS_ONLY)
@require_safe
def home(request):
    # The news stay on the page for a while (an answer from the home page, a
    # reload): they are those since the visit before this browsing session.
    now = timezone.now()
    window = request.session.get(NEWS_KEY)
    if window and now - datetime.datetime.fromisoformat(window["at"]) < NEWS_WINDOW:
        since = datetime.datetime.fromisoformat(window["since"]) if window["since"] else None
        home = selectors.relais_home(request.user, since=since)
    else:
        home = selectors.relais_home(request.user)
        since = home.seen_before
        request.session[NEWS_KEY] = {"at": now.isoformat(), "since": since.isoformat() if since else None}
    if home.relais is not None:
        services.home_seen(relais=home.relais, newest=home.newest, now=now)
    return render(request, "espace/home.html", {"home": home})


NEWS_KEY = "espace_news"
NEWS_WINDOW = datetime.timedelta(hours=2)


@role_required(*RELAIS_ONLY)
def activity(request):
    """A relais logs what they did, in a few taps; below, what they logged."""
    relais = Relais.objects.for_user(request.user).first()
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if relais is None:
            form.add_error(None, "Votre fiche de relais n'est pas encore créée : demandez-le à l'équipe.")
        else:
            services.activity_log(relais=relais, **form.cleaned_data)
            messages.success(request, "Merci, c'est noté.")
            return redirect("espace:activity")
    year_start = timezone.localdate().replace(month=1, day=1)
    context = {
        "form": form,
        "rows": selectors.my_activity(request.user),
        "summary": selectors.activity_summary(request.user, since=year_start),
    }
    return render(request, "espace/activity.html", context)


@role_required(*WRITERS)
def team_activity(request):
    """For staff: what the relais logged, in figures, and the latest entries."""
    since = timezone.localdate() - datetime.timedelta(days=365)
    if fmt := exports.wanted(request):
        rows = selectors.team_activity(request.user).iterator(chunk_size=2000)
        return exports.export_response(request, name="activite", model="activity", columns=ACTIVITY, rows=rows, fmt=fmt)
    page = paginate(request, selectors.team_activity(request.user))
    context = {"summary": selectors.activity_summary(request.user, since=since), "page": page}
    return render(request, "espace/team_activity.html", context)


@role_required(*READERS, *RELAIS_ONLY)
def guide(request):
    guide = Guide.objects.for_user(request.user).first()
    return render(request, "espace/guide.html", {"guide": guide})


@role_required(*WRITERS)
def guide_edit(request):
    guide = Guide.objects.for_user(request.user, write=True).first()
    form = GuideForm(request.POST or None, instance=guide)
    if request.method == "POST" and form.is_valid():
        services.guide_save(organisation=access_for(request.user).organisation, by=request.user, **form.cleaned_data)
        messages.success(request, "Le guide du relais est enregistré ; les relais le lisent dans leur espace.")
        return redirect("espace:guide")
    return form_page(
        request,
        form,
        title="Rédiger le guide du relais",
        intro="Ce que les relais lisent sur leur téléphone et peuvent imprimer : leurs missions, la charte, "
        "et qui appeler pour quoi.",
        back=reverse("espace:guide"),
    )


# The installable web app: served from the site's root so that the service
# worker covers every page; open to anyone (they hold no data).


@functools.cache
def _static_version() -> str:
    """Changes whenever a cached static file changes, so phones drop the old copies."""
    digest = hashlib.sha256()
    for name in ("css/app.css", "js/app.js", "js/live.js", "icons/icon-192.png"):
        path = finders.find(name)
        digest.update(Path(path).read_bytes() if path else name.encode())
    return digest.hexdigest()[:12]


@require_safe
def service_worker(request):
    response = render(
        request, "espace/sw.js", {"version": _static_version()}, content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def manifest(request):
    return render(request, "espace/manifest.webmanifest", content_type="application/manifest+json")
