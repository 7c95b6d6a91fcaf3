"""Queue indexes for p99 <= 50 ms at 1,000,000 orders (issue 4; docs/queues.md, bench/RESULTS.md).

- order_open_acc becomes order_open_queue: the same open orders in acceptance order, now carrying every
  column a queue filters on, so a filtered province-wide queue walks the index instead of the table.
- order_open_org: a county's / city's open orders with the filtered columns (small: open orders only),
  so the page sorts a few hundred index entries.
- order_handler_acc, order_owner_acc, order_assignee_acc, order_crew_acc: a department's, a person's
  ("mine": the owned and the assigned halves are walked separately and merged, orders.queries._keyset)
  and a crew's orders in acceptance order, any state (the state rides along for the "open" filter).
- clock_running_due carries paused_since: the overdue / due-within filters read only the index.
- clock_due_if_running, clock_org_due_if_running: a clock's due time while it runs (NULL once stopped),
  which the deadline-sorted page walks. PostgreSQL keeps statistics of this expression (the index is not
  partial), so it estimates "running clocks due before X" right; on `stopped_at IS NULL AND due_at < X`
  it underestimated them ~40x and sorted them all instead of walking the index (100 ms a page).
"""

from django.db import migrations, models

OPEN = models.Q(("state", "archived"), _negated=True)
RUNNING_DUE = models.Case(models.When(stopped_at__isnull=True, then=models.F("due_at")))


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0008_clock_running_org_due"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="workorder", name="order_open_acc"),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=OPEN,
                fields=["accepted_at", "id", "org", "order_type", "category", "state", "handling_org", "crew",
                        "owner", "assignee"],
                name="order_open_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=OPEN,
                fields=["org", "accepted_at", "id", "order_type", "category", "state"],
                name="order_open_org",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("handling_org__isnull", False)),
                fields=["handling_org", "accepted_at", "id", "state"],
                name="order_handler_acc",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(fields=["owner", "accepted_at", "id", "state"], name="order_owner_acc"),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee", "accepted_at", "id", "state"],
                name="order_assignee_acc",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("crew__isnull", False)),
                fields=["crew", "accepted_at", "id", "state"],
                name="order_crew_acc",
            ),
        ),
        migrations.RemoveIndex(model_name="slaclock", name="clock_running_due"),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                condition=models.Q(("stopped_at__isnull", True)),
                fields=["due_at", "order", "paused_since"],
                name="clock_running_due",
            ),
        ),
        # Running clocks by their due time while running (NULL once stopped), see orders.queries.RUNNING_DUE.
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(RUNNING_DUE, name="clock_due_if_running"),
        ),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(models.F("org"), RUNNING_DUE, name="clock_org_due_if_running"),
        ),
    ]
