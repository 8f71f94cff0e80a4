"""RFC 5545 calendar files for meetings: one meeting (sent with the invitation)
and a personal subscription feed."""

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from reunions.models import Reunion


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Trait d'union//Réunions//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _event(reunion: Reunion, stamp) -> Event:
    event = Event()
    event.add("uid", f"{reunion.uid}@{settings.MESSAGE_ID_DOMAIN}")
    event.add("sequence", reunion.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", reunion.starts_at)
    event.add("dtend", reunion.ends_at)
    event.add("summary", reunion.title)
    event.add("location", vText(reunion.place))
    event.add("status", "CANCELLED" if reunion.status == Reunion.Status.ANNULEE else "CONFIRMED")
    if reunion.themes:
        event.add("description", f"Thèmes : {reunion.themes}")
    organiser = vCalAddress(f"MAILTO:{settings.DEFAULT_FROM_EMAIL.rsplit('<', 1)[-1].rstrip('>')}")
    organiser.params["cn"] = vText(reunion.organisation.name)
    event["organizer"] = organiser
    return event


def reunion_ics(reunion: Reunion, *, method: str = "REQUEST") -> bytes:
    """One meeting as an .ics: the UID never changes, SEQUENCE grows with every
    change, and a cancelled meeting goes out with METHOD:CANCEL."""
    calendar = _calendar(method)
    calendar.add_component(_event(reunion, timezone.now()))
    return calendar.to_ical()


def feed_ics(reunions: Iterable[Reunion], *, name: str) -> bytes:
    """A subscription feed: the same events, cancelled ones kept with
    STATUS:CANCELLED so that calendar applications remove them."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for reunion in reunions:
        calendar.add_component(_event(reunion, stamp))
    return calendar.to_ical()
