from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory"

    def ready(self):
        from directory import auth_log, checks  # noqa: F401  (checks register on import)
        from directory.catalog import signals

        auth_log.connect()
        signals.connect()
