"""The `griddesk` command: GridDesk's own commands plus every Django command.

`griddesk demo`, `griddesk import topology FILE`, `griddesk rules explain …`,
`griddesk audit verify`, `griddesk serve` are management commands of the apps;
anything else (`migrate`, `shell`, `createsuperuser`, `check`) is Django's.
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["griddesk", *args])


if __name__ == "__main__":
    main()
