"""`griddesk check --deploy`: GridDesk's own key checks (docs/security.md, "What check --deploy checks").

Django warns about a weak SECRET_KEY (security.W009); GridDesk makes it an error, and adds the key
that earlier versions shipped (known to anyone who read the source, so it signs nothing) and key
files under var/keys that other accounts on the machine can read.
"""

import hashlib
import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register

# SHA-256 of the development key that GridDesk once shipped in settings.py: the check recognises
# it without the repository holding the key itself.
PUBLIC_KEY_SHA256 = {"b4530da1be5dbf2fb095dd8a309042dfbf5ebb538934ee31525efdf75e9ec54e"}
MIN_LENGTH = 50
MIN_UNIQUE = 5
KEY_FILES = ("secret", "seal", "audit")


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def key_weakness(key):
    """Why `key` may not sign anything, or None if it may."""
    if _sha256(key) in PUBLIC_KEY_SHA256:
        return "public"
    if len(key) < MIN_LENGTH:
        return "short"
    if len(set(key)) < MIN_UNIQUE:
        return "repetitive"
    return None


@register(Tags.security, deploy=True)
def secret_key_check(app_configs=None, **kwargs):
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    weakness = key_weakness(key)
    hint = ("在环境变量 SECRET_KEY 中设置一个新的随机密钥，"
            "或删除 SECRET_KEY 并运行 `griddesk keys rotate secret`（docs/security.md）。")
    if weakness == "public":
        return [Error("SECRET_KEY 是早期版本源代码中公开的开发密钥，任何人都能伪造会话和签名。",
                      hint=hint, id="griddesk.E001")]
    if weakness:
        return [Error(f"SECRET_KEY 太弱：至少需要 {MIN_LENGTH} 个字符、{MIN_UNIQUE} 个不同字符"
                      f"（当前 {len(key)} 个字符、{len(set(key))} 个不同字符）。",
                      hint=hint, id="griddesk.E002")]
    return []


@register(Tags.security, deploy=True)
def key_files_check(app_configs=None, **kwargs):
    keys_dir = Path(getattr(settings, "KEYS_DIR", ""))
    errors = []
    for name in KEY_FILES:
        path = keys_dir / name
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            errors.append(Error(
                f"密钥文件 {path} 的权限是 {stat.S_IMODE(mode):04o}，本机其他账号可以读取或修改。",
                hint=f"chmod 600 {path}（目录 {keys_dir} 建议 chmod 700）。", id="griddesk.E003"))
    return errors
