"""The public pages (no login: the door is the published organisation, inside
each view) and the staff's settings and printables."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import ADMINS, COORDINATOR, WRITERS, access_for, role_required
from core.security import client_ip, content_security_policy
from core.views import pdf_response
from initiatives import services as initiatives_services
from initiatives.models import Initiative, NeighbourAttendance
from vitrine import antispam, selectors, services
from vitrine import cache as page_cache
from vitrine.forms import AttendanceForm, CandidateForm, PublicPageForm
from vitrine.pdf import event_poster_pdf, poster_pdf, welcome_pdf

# Read-only public pages: cached by browsers and proxies for a minute too.
PUBLIC_MAX_AGE = 60


def _page_html(page, layout: str) -> str:
    html = page_cache.get(page.organisation_id, layout)
    if html is None:
        today = timezone.localdate()
        context = {
            "page": page,
            "organisation": page.organisation,
            "intro": page.intro or selectors.DEFAULT_INTRO,
            "embed": layout == "embed",
        }
        if page.organisation.is_network:
            # A network's page: its members that publish theirs, their counts and events.
            members = selectors.network_members(page)
            context["members"] = members
            context["events"] = selectors.network_events(members, today=today) if page.show_events else []
            template = "public/network.html"
        else:
            context["areas"] = selectors.areas(page) if page.show_places else []
            context["events"] = selectors.events(page, today=today) if page.show_events else []
            context["stories"] = selectors.stories(page, today=today) if page.show_stories else []
            template = f"public/{layout}.html"
        # No request: nothing here reads the session or makes a CSRF token, so
        # the answer sets no cookie and is the same for everyone.
        html = render_to_string(template, context)
        page_cache.put(page.organisation_id, layout, html)
    return html


def _public(request, response: HttpResponse) -> HttpResponse:
    # Shared caches may keep an anonymous visitor's answer, never a logged-in
    # one's: its session middleware may add a Set-Cookie to it.
    scope = "private" if request.user.is_authenticated else "public"
    response["Cache-Control"] = f"{scope}, max-age={PUBLIC_MAX_AGE}"
    return response


@require_safe
def page(request, organisation):
    # The page everyone reads: a hit is served from the cache without a query.
    html = page_cache.get_by_slug(organisation, "page")
    if html is None:
        public_page = selectors.published_page(organisation)
        html = _page_html(public_page, "page")
        page_cache.remember_slug(organisation, public_page.organisation_id)
    return _public(request, HttpResponse(html))


@require_safe
@xframe_options_exempt
def embed(request, organisation):
    """The read-only layout the landlord's own site frames: the only page whose
    frame-ancestors is not 'none', and only for the origins the organisation listed."""
    public_page = selectors.published_page(organisation)
    response = _public(request, HttpResponse(_page_html(public_page, "embed")))
    origins = " ".join(public_page.origins) or "'none'"
    response["Content-Security-Policy"] = content_security_policy(frame_ancestors=origins)
    return response


@require_safe
def photo(request, organisation, photo):
    public_page = selectors.published_page(organisation)
    image = selectors.public_photo(public_page, photo)
    return _public(request, FileResponse(image.image.open("rb"), content_type="image/jpeg"))


def _screen(request, form, organisation_id: int, *, address=None) -> tuple[str, int]:
    """Why a public form is refused ("" when it is not), and the status to
    answer: the rate limit per IP, the form's own checks, the honeypot, the
    signed timestamp (spent here when all is well), the limit per address."""
    valid = form.is_valid()  # first: a refusal is added to a checked form
    if not antispam.allow_ip(client_ip(request)):
        return antispam.TOO_MANY, 429
    if not valid:
        return "invalid", 200
    data = form.cleaned_data
    if data["website"]:
        return antispam.HONEYPOT, 200
    refusal, nonce = antispam.check_token(data["token"], organisation_id)
    if refusal:
        return refusal, 200
    if address is not None and (key := address(data)) and not antispam.allow_address(key):
        return antispam.TOO_MANY, 429
    if not antispam.spend(nonce):
        return antispam.REPLAYED, 200
    return "", 200


def _again(form, refusal: str, organisation_id: int) -> None:
    """The form shown again: its refusal, and a fresh token for the next try
    (the refused one may be spent or stale)."""
    if refusal != "invalid":
        form.add_error(None, refusal)
    form.data = form.data.copy()
    form.data["token"] = antispam.issue(organisation_id)


@require_http_methods(["GET", "HEAD", "POST"])
def candidate(request, organisation):
    """« Devenir relais »: opened top-level only (frame-ancestors 'none', as everywhere)."""
    public_page = selectors.published_page(organisation)
    org = public_page.organisation
    if not public_page.accept_candidates or org.is_network:  # a network has no residence: its members do
        return render(request, "public/closed.html", {"organisation": org}, status=404)
    residences = selectors.candidate_residences(org.pk)
    status = 200
    if request.method == "POST":
        form = CandidateForm(request.POST, residences=residences)  # bound even when empty
        refusal, status = _screen(request, form, org.pk, address=lambda d: d["email"] or d["phone"])
        if not refusal:
            data = form.cleaned_data
            services.candidate_apply(
                organisation=org,
                first_name=data["first_name"],
                last_name=data["last_name"],
                residence=data["residence"],
                email=data["email"],
                phone=data["phone"],
            )
            return redirect("public:thanks", organisation=org.slug)
        _again(form, refusal, org.pk)
    else:
        form = CandidateForm(initial={"token": antispam.issue(org.pk)}, residences=residences)
    return render(
        request, "public/candidate.html", {"form": form, "organisation": org, "page": public_page}, status=status
    )


@require_safe
def thanks(request, organisation):
    public_page = selectors.published_page(organisation)
    return render(request, "public/thanks.html", {"organisation": public_page.organisation, "page": public_page})


# Staff


@role_required(*ADMINS, COORDINATOR)  # a network's page is chosen by its coordination
def settings_page(request):
    access = access_for(request.user)
    org = access.organisation
    current = selectors.page_settings(request.user, org)
    choices = (
        Initiative.objects.for_user(request.user)
        .filter(status__in=[Initiative.Status.PREVUE, Initiative.Status.REALISEE])
        .order_by("-starts_on", "pk")
    )
    initial = {"initiatives": list(choices.filter(publication__isnull=False)) if current.pk else []}
    form = PublicPageForm(
        request.POST or None, instance=current, initiatives=choices, initial=initial, network=org.is_network
    )
    if request.method == "POST" and form.is_valid():
        services.public_page_save(
            organisation=org,
            by=request.user,
            page=form.save(commit=False),
            initiatives=form.cleaned_data.get("initiatives", []),
        )
        messages.success(request, "La page publique est enregistrée.")
        return redirect("public:settings")
    context = {
        "form": form,
        "page": current,
        "organisation": org,
        "areas": selectors.printable_residences(request.user),
        "events": selectors.attendances(request.user, today=timezone.localdate()),
    }
    return render(request, "public/settings.html", context)


@role_required(*WRITERS)
@require_POST
def attendance_remove(request, attendance):
    """A neighbour told the team they will not come after all: their « Je
    viendrai » goes, and their reminder with it."""
    row = NeighbourAttendance.objects.select_related("initiative").get_for_user(request.user, attendance, write=True)
    initiatives_services.neighbour_attendance_remove(attendance=row)
    who = f"«\u00a0{row.name}\u00a0»" if row.name else "Ce voisin"
    event = f"«\u00a0{row.initiative.title}\u00a0»"
    messages.success(request, f"{who} ne compte plus parmi les venues de {event}\u00a0; aucun rappel ne partira.")
    return redirect("public:settings")


@role_required(*WRITERS)
@require_safe
def welcome_sheet(request, residence):
    residence, names, public_page = selectors.residence_sheet(request.user, residence)
    return pdf_response(welcome_pdf(residence=residence, names=names, page=public_page), f"accueil-{residence.pk}.pdf")


@role_required(*WRITERS)
@require_safe
def poster(request, residence):
    residence, names, public_page = selectors.residence_sheet(request.user, residence)
    return pdf_response(
        poster_pdf(residence=residence, names=names, page=public_page), f"affiche-relais-{residence.pk}.pdf"
    )


@require_http_methods(["GET", "HEAD", "POST"])
def event(request, organisation, initiative):
    """An event open to all, and « Je viendrai » for a neighbour without an account."""
    public_page = selectors.published_page(organisation)
    org = public_page.organisation
    shown = selectors.open_event(public_page, initiative, today=timezone.localdate())
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        refusal, status = _screen(request, form, org.pk, address=lambda d: d["remind_to"])
        if not refusal:
            data = form.cleaned_data
            initiatives_services.neighbour_attendance_add(
                initiative=shown, name=data["name"], household=data["household"], remind_to=data["remind_to"]
            )
            said = "Merci\u00a0! Les organisateurs savent que vous venez."
            if data["remind_to"]:
                if initiatives_services.neighbour_reminder_at(shown.starts_on) > timezone.now():
                    said += " Nous vous le rappellerons la veille à 10\u00a0h."
                else:
                    said += " Le rendez-vous est tout proche\u00a0: il n'y aura pas de rappel."
            messages.success(request, said)
            return redirect("public:event", organisation=org.slug, initiative=shown.pk)
        _again(form, refusal, org.pk)
    else:
        form, status = AttendanceForm(initial={"token": antispam.issue(org.pk)}), 200
    context = {"form": form, "organisation": org, "page": public_page, "event": shown}
    return render(request, "public/event.html", context, status=status)


@role_required(*WRITERS)
@require_safe
def event_poster(request, initiative):
    """The poster of an event shown on the public page, its QR code to the event's page."""
    event, shown = selectors.event_for_poster(request.user, initiative)
    if not shown:
        messages.error(
            request,
            f"«\u00a0{event.title}\u00a0» n'est pas montré sur la page publique : cochez-le d'abord ci-dessous.",
        )
        return redirect("public:settings")
    path = reverse("public:event", kwargs={"organisation": event.organisation.slug, "initiative": event.pk})
    link = settings.SITE_URL.rstrip("/") + path
    return pdf_response(event_poster_pdf(event=event, link=link), f"affiche-rendez-vous-{event.pk}.pdf")
