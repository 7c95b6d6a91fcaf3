"""Reads of the business catalogue (办电业务目录), rules W-3 and H-6."""

from griddesk.business.models import BusinessItem


def business_items():
    """The businesses offered, in catalogue order."""
    return list(BusinessItem.objects.filter(active=True))


def business_item(code):
    """The business of `code` if offered, else None."""
    return BusinessItem.objects.filter(active=True, code=code).first()
