"""RFC 5545 calendar files for meetings."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from reunions.models import Reunion


def reunion_ics(reunion: Reunion, *, method: str = "REQUEST") -> bytes:
    """One meeting as an .ics: the UID never changes, SEQUENCE grows with every
    change, and a cancelled meeting goes out with METHOD:CANCEL."""
    calendar = Calendar()
    calendar.add("prodid", "-//Trait d'union//Réunions//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{reunion.uid}@{settings.MESSAGE_ID_DOMAIN}")
    event.add("sequence", reunion.sequence)
    event.add("dtstamp", timezone.now())
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
    calendar.add_component(event)
    return calendar.to_ical()
