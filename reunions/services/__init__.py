"""Writes of the meetings app: named, keyword-only, one transaction each, in one
module per concern:

- planning: a meeting or a series, moved, cancelled; the reminder offsets;
- invitations: who is invited, their convocation and reminders, their answer
  (by a signed link) and attendance;
- minutes: agenda, minutes, decisions, and their publication;
- actions: action items and their reminders;
- calendar: the personal subscription address;

Every message about a meeting goes through the outbox (core.outbox), one row per
(person, meeting, kind); what the messages say is in reunions/messages.py, the
reads in reunions/selectors.py. The names below are the app's write API:
callers import `reunions.services` and use them from here.
"""

from reunions.services.actions import action_add, action_set_status
from reunions.services.calendar import calendar_feed_renew
from reunions.services.invitations import (
    RSVP_SALT,
    answer_set,
    attendance_minutes_set,
    attendance_set,
    invitations_send,
    invitee_from_token,
    participant_add,
    rsvp_short_code,
    rsvp_short_url,
    rsvp_token,
    rsvp_token_from_short,
    rsvp_url,
)
from reunions.services.minutes import (
    MINUTES_SALT,
    invitee_from_minutes_token,
    minutes_publish,
    minutes_save,
    minutes_token,
    minutes_url,
)
from reunions.services.planning import (
    _carry_over,  # the demo data (devtools) replays a follow-up with it
    reminder_days_set,
    reunion_cancel,
    reunion_move,
    reunion_plan,
    series_plan,
)

__all__ = [
    "MINUTES_SALT",
    "RSVP_SALT",
    "_carry_over",
    "action_add",
    "action_set_status",
    "answer_set",
    "attendance_minutes_set",
    "attendance_set",
    "calendar_feed_renew",
    "invitations_send",
    "invitee_from_minutes_token",
    "invitee_from_token",
    "minutes_publish",
    "minutes_save",
    "minutes_token",
    "minutes_url",
    "participant_add",
    "reminder_days_set",
    "reunion_cancel",
    "reunion_move",
    "reunion_plan",
    "rsvp_short_code",
    "rsvp_short_url",
    "rsvp_token",
    "rsvp_token_from_short",
    "rsvp_url",
    "series_plan",
]
