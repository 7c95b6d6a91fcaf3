import json
import os
import subprocess
import sys

import pytest

from griddesk.orgs.models import Staff


@pytest.fixture
def superuser(db):
    return Staff.objects.create_superuser("root", "root@example.com", "pw-root")


OPERATOR_VARIABLES = ("GRIDDESK_", "SECRET_KEY", "DJANGO_", "DEBUG", "ALLOWED_HOSTS")


def installation_env(home, env):
    """This process's environment less the operator's settings, for an installation at `home`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OPERATOR_VARIABLES)}
    return {**clean, "GRIDDESK_HOME": str(home), **env}


def settings_under(env, *names, home):
    """The values griddesk/settings.py computes for `names` when the process starts with `env`
    (a fresh interpreter: settings are read once per process)."""
    clean = installation_env(home, env)
    code = ("import json, griddesk.settings as s; "
            f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))")
    result = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)
