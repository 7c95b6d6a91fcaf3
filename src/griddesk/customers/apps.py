from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "griddesk.customers"
    label = "customers"
    verbose_name = _("客户")

    def ready(self):
        from griddesk.customers.lookup import address_index_ensure
        from griddesk.customers.served import served_ensure

        # SQLite rebuilds a table to alter it and drops its triggers with it; the caller
        # look-up's address index (migration 0003) must stay in sync afterwards.
        post_migrate.connect(address_index_ensure, sender=self, dispatch_uid="griddesk-address-index")
        # The same goes for the served-count triggers (customers/served.py).
        post_migrate.connect(served_ensure, sender=self, dispatch_uid="griddesk-served-count")
