from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Regions and village officials")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from villages import checks as village_checks

        # After every migrate: the data version's triggers on every table the pages read.
        post_migrate.connect(village_checks.install_data_version, sender=self)
        checks.register(village_checks.data_version_triggers, checks.Tags.database)
