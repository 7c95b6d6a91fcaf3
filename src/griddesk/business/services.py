"""Changes to the business catalogue (办电业务目录): the admin's saves, validated and audited on the
item's stream (rule K-8), like the canned replies (kb.services)."""

from django.db import transaction

from griddesk.audit.services import audit_append, stream_of

AUDITED = ("code", "name", "application_kind", "needs_account", "needs_capacity", "documents", "steps", "fees",
           "deadlines", "rules", "instructions", "active")


def business_item_save(*, item, actor):
    """Create or change a catalogue item (rules W-3, H-6): `full_clean` first (a bad rule id or a
    business without a supply class changes nothing), then the write and its audit event."""
    item.full_clean()
    created = item.pk is None
    with transaction.atomic():
        item.save()
        audit_append(stream=stream_of(item), action="business.created" if created else "business.changed",
                     actor=actor, new_stream=created, payload={field: getattr(item, field) for field in AUDITED})
    return item
