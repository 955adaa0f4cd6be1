"""The `procura ocds` tools: each module exposes `configure(parser)` and `run(args) -> int`."""


def setup_django() -> None:
    """The database tools work inside `procura` (Django already set up) and as plain modules."""
    import os

    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procura.settings")
        import django

        django.setup()
