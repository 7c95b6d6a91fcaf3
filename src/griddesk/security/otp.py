"""The optional second factor (django-otp): a staff member who has a confirmed device gives its code."""

from django.db import transaction
from django_otp import devices_for_user, user_has_device


def second_factor_required(user):
    """True if `user` has a confirmed OTP device, so a password alone does not open the admin."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def second_factor_satisfied(user):
    """The admin opens to a user without a device, or one whose session was verified by a code."""
    verified = getattr(user, "is_verified", None)
    if verified is not None and verified():
        return True
    return not second_factor_required(user)


def otp_token_check(user, token):
    """The confirmed device of `user` that accepts `token`, else None. Each device throttles its
    own failures (a wrong code makes the next try wait longer)."""
    token = (token or "").strip().replace(" ", "")
    if not token:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            allowed, _extra = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                return device
    return None
