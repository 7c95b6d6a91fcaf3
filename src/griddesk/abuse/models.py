"""What the public site's abuse resistance remembers (防刷记录), in the database so that every server
process sees the same: attempts counted per window, and the challenges already used."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mark(models.Model):
    """A count under a key until a moment: the attempts of one address or number in one window
    (`limit:…`), or a used challenge (`challenge:…`, count 1). Written by one upsert statement each
    (abuse/services.py); rows past `expires_at` mean nothing and are deleted as new ones come."""

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("防刷记录")
        verbose_name_plural = _("防刷记录")

    def __str__(self):
        return f"{self.key}: {self.count}"
