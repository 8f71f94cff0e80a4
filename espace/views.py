import datetime
import functools
import hashlib
from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from core import exports
from core.access import READERS, RELAIS_ONLY, WRITERS, access_for, role_required
from core.views import form_page, paginate
from espace import linked, selectors, services
from espace.exports import ACTIVITY
from espace.forms import ActivityForm, AnnouncementForm, GuideForm, LikesForm
from espace.models import Announcement, AnnouncementAttachment, Guide
from parcours import selectors as parcours_selectors
from parcours.models import GuideReading
from relais import selectors as relais_selectors
from relais import services as relais_services
from relais.models import Relais


@role_required(*RELAIS_ONLY)
@require_safe
def home(request):
    # The news stay on the page for a while (an answer from the home page, a
    # reload): they are those since the visit before this browsing session, or,
    # on a first visit, since that first visit (what staff did a minute later is
    # news on the next reload; « no visit before » must not hide it all session).
    now = timezone.now()
    window = request.session.get(NEWS_KEY)
    if window and now - datetime.datetime.fromisoformat(window["at"]) < NEWS_WINDOW:
        since = datetime.datetime.fromisoformat(window["since"] or window["at"])
        home = selectors.relais_home(request.user, since=since, first_visit=window.get("first", False))
    else:
        home = selectors.relais_home(request.user)
        since = home.seen_before or now
        request.session[NEWS_KEY] = {"at": now.isoformat(), "since": since.isoformat(), "first": home.first_visit}
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
def directory(request):
    """The relais who agreed to be presented to their neighbours and partners."""
    me = Relais.objects.for_user(request.user).first() if access_for(request.user).is_relais else None
    page = paginate(request, relais_selectors.directory(request.user))
    listed = me is not None and relais_selectors.directory(request.user).filter(pk=me.pk).exists()
    return render(request, "espace/directory.html", {"page": page, "me": me, "listed": listed})


@role_required(*RELAIS_ONLY)
def directory_me(request):
    """A relais writes what they like to do, as the directory shows it."""
    relais = Relais.objects.for_user(request.user).first()
    if relais is None:
        messages.error(request, "Votre fiche de relais n'est pas encore créée : demandez-le à l'équipe.")
        return redirect("espace:directory")
    form = LikesForm(request.POST or None, initial={"likes": relais.likes})
    if request.method == "POST" and form.is_valid():
        relais_services.relais_likes_set(relais=relais, likes=form.cleaned_data["likes"])
        messages.success(request, "C'est noté.")
        return redirect("espace:directory")
    return form_page(
        request,
        form,
        title="Ce que j'aime faire",
        intro="Les autres relais le lisent dans l'annuaire, si vous avez accepté d'y figurer (« Mes données »).",
        back=reverse("espace:directory"),
    )


@role_required(*READERS, *RELAIS_ONLY)
def guide(request):
    """The guide, with the charter in force (parcours); a relais says here they read it."""
    guide = Guide.objects.for_user(request.user).first()
    charter = parcours_selectors.charter_current(request.user)
    context = {"guide": guide, "charter": charter}
    if access_for(request.user).is_relais:
        context["read"] = GuideReading.objects.for_user(request.user).first()
        context["signed"] = parcours_selectors.charter_signature(request.user, charter)
    return render(request, "espace/guide.html", context)


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
        intro="Ce que les relais lisent sur leur téléphone et peuvent imprimer : leurs missions et qui appeler "
        "pour quoi. La charte se publie à part (« La charte du relais ») : chaque relais la signe.",
        back=reverse("espace:guide"),
    )


# Announcements


@role_required(*WRITERS, *RELAIS_ONLY)
def announcements(request):
    """Staff: the announcements written, sent or waiting for confirmation.
    A relais: those sent to them, the unread first to the eye."""
    if access_for(request.user).is_relais:
        page = paginate(request, selectors.my_announcements(request.user))
        return render(request, "espace/my_announcements.html", {"page": page})
    page = paginate(request, selectors.announcements(request.user))
    return render(request, "espace/announcements.html", {"page": page})


@role_required(*WRITERS)
def announcement_create(request):
    form = AnnouncementForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = services.announcement_draft(
                organisation=access_for(request.user).organisation, by=request.user, **form.draft_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("espace:announcement", annonce=announcement.pk)
    return render(request, "espace/announcement_form.html", {"form": form})


@role_required(*WRITERS, *RELAIS_ONLY)
def announcement(request, annonce):
    announcement = Announcement.objects.select_related("quartier", "residence", "series").get_for_user(
        request.user, annonce
    )
    context = selectors.announcement_page(request.user, announcement)
    context["linked"] = linked.links_for(request.user, announcement)
    if announcement.sent_at is None:
        context["audience"] = selectors.announcement_audience(
            request.user,
            audience=announcement.audience,
            quartier=announcement.quartier,
            residence=announcement.residence,
            series=announcement.series,
        ).count()
    return render(request, "espace/announcement.html", context)


@role_required(*WRITERS)
@require_POST
def announcement_send(request, annonce):
    """Sent only from the confirmation the announcement's page shows."""
    announcement = Announcement.objects.get_for_user(request.user, annonce, write=True)
    try:
        counts = services.announcement_send(announcement=announcement, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"L'annonce est envoyée à {sum(counts.values())} relais : {counts['email']} par e-mail, "
            f"{counts['sms']} par SMS, {counts['papier']} sur papier.",
        )
    return redirect("espace:announcement", annonce=announcement.pk)


@role_required(*RELAIS_ONLY)
@require_POST
def announcement_read(request, annonce):
    # The body is read before anything is written: a body refused (too many
    # fields) is refused whole.
    back = "espace:home" if request.POST.get("next") == "espace" else "espace:announcements"
    # An id beyond a 64-bit integer is no row (SQLite would raise on it).
    row = selectors.my_announcements(request.user).filter(announcement_id=annonce).first() if annonce < 2**63 else None
    if row is None:
        raise Http404("Cette annonce n'existe pas ou ne vous est pas adressée.")
    services.announcement_read(recipient=row)
    messages.success(request, f"« {row.announcement.title} » est marquée comme lue.")
    return redirect(back)


@role_required(*WRITERS)
def announcement_paper(request, annonce):
    """The printable list of those who get the announcement on paper."""
    announcement = Announcement.objects.get_for_user(request.user, annonce)
    rows = selectors.announcement_on_paper(request.user, announcement)
    return render(request, "espace/announcement_paper.html", {"announcement": announcement, "rows": rows})


@role_required(*WRITERS, *RELAIS_ONLY)
def announcement_file(request, piece):
    attachment = AnnouncementAttachment.objects.get_for_user(request.user, piece)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.name)


@role_required(*WRITERS, *RELAIS_ONLY)
def announcement_short(request, short):
    """The short link an SMS carries: it opens the announcement for whoever may read it."""
    found = Announcement.objects.for_user(request.user).filter(token=short).values_list("pk", flat=True).first()
    if found is None:
        raise Http404("Cette annonce n'existe pas ou ne vous est pas adressée.")
    return redirect("espace:announcement", annonce=found)


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
