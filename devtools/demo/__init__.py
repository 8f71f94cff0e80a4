"""The demo network's parts beyond the relais, one module per app (called by
`seed_demo`). Only the development toolbox holds demo data: no product app
imports it."""

import datetime

DAY = datetime.timedelta(days=1)


def history(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The span of the demo's drawn past: from 1 January two years back to the
    day before the written story of the last eleven months begins, so that the
    bilan compares two full years of activity (and the year in progress)."""
    return datetime.date(today.year - 2, 1, 1), today - 345 * DAY
