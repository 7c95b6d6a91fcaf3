"""`griddesk keys status` · `keys rotate secret|seal|audit` · `keys retire secret` · `keys new RING`.

The key rings live in the environment (SECRET_KEY, GRIDDESK_SEAL_KEYS, GRIDDESK_AUDIT_KEYS) or in
files under var/keys/ (GRIDDESK_KEYS_DIR); this command works on the files (docs/security.md, "Keys").
"""

import os
import stat

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from griddesk.keys import KEY_BYTES, SECRET_KEY_BYTES, keyring_read, keyring_retire, keyring_rotate, new_key

RINGS = {
    # name: (environment variable, key bytes, what to do after a rotation)
    "secret": ("SECRET_KEY", SECRET_KEY_BYTES,
               "新密钥签发会话和 CSRF 令牌；旧密钥仍在 SECRET_KEY_FALLBACKS 中，已登录的会话不受影响。\n"
               "接下来：1) 重启所有 griddesk serve 进程（每台服务器都要换上同一个文件）；\n"
               "2) 一个班次（GRIDDESK_SESSION_MAX_HOURS）之后运行 `griddesk keys retire secret` 删除旧密钥，"
               "check --deploy 才不再提示旧密钥太短。"),
    "seal": ("GRIDDESK_SEAL_KEYS", KEY_BYTES,
             "新的加密身份信息用新密钥；旧密钥留在文件里，用来解密以前加密的内容，不要删除。\n"
             "接下来：重启所有 griddesk serve 进程，并把新文件备份到密钥保管处（丢失密钥就无法解密）。"),
    "audit": ("GRIDDESK_AUDIT_KEYS", KEY_BYTES,
              "新的审计事件用新密钥计算校验值；旧密钥留在文件里，"
              "`griddesk audit verify` 用它核对以前的事件，不要删除。\n"
              "接下来：重启所有 griddesk serve 进程，并把新文件备份到密钥保管处。"),
}


class Command(BaseCommand):
    help = "密钥：查看来源、轮换、停用旧的会话密钥 / Key rings: status, rotate, retire."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="每个密钥环的来源、密钥个数和文件权限")
        new = sub.add_parser("new", help="打印一个新的随机密钥（用于环境变量，不写文件）")
        new.add_argument("ring", choices=sorted(RINGS))
        rotate = sub.add_parser("rotate", help="在密钥环最前面加一个新密钥（旧密钥保留）")
        rotate.add_argument("ring", choices=sorted(RINGS))
        retire = sub.add_parser("retire", help="只保留最新的会话密钥（仅 secret）")
        retire.add_argument("ring", choices=sorted(RINGS))

    def handle(self, *args, action, ring=None, **options):
        if action == "status":
            for name in sorted(RINGS):
                self.stdout.write(self._status(name))
            return
        env, nbytes, after = RINGS[ring]
        if action == "retire" and ring != "secret":
            use = "解密以前加密的身份信息" if ring == "seal" else "核对以前的审计事件"
            raise CommandError(f"{ring} 的旧密钥不能停用：它们用来{use}。")
        if action == "new":
            self.stdout.write(new_key(nbytes))
            return
        path = settings.KEYS_DIR / ring
        if os.environ.get(env, "").strip():
            older = "SECRET_KEY_FALLBACKS" if ring == "secret" else f"{env} 中新密钥的后面（逗号分隔）"
            raise CommandError(f"{ring} 密钥环来自环境变量 {env}：请在密钥保管处生成新密钥放进 {env}，"
                               f"旧密钥移到 {older}，再重启服务。")
        if not path.exists():
            raise CommandError(f"密钥文件 {path} 不存在：服务第一次启动时会生成它。")
        if action == "rotate":
            keys = keyring_rotate(path, nbytes=nbytes)
            self.stdout.write(f"已轮换 {ring}：{path} 现有 {len(keys)} 个密钥，最新的在第一行。\n{after}")
        else:
            keys = keyring_read(path)
            if len(keys) == 1:
                self.stdout.write(f"{path} 只有一个密钥，无需停用。")
                return
            retired = keyring_retire(path)
            self.stdout.write(f"已停用 {retired} 个旧的会话密钥；用它们签发的会话需要重新登录。"
                              "请重启所有 griddesk serve 进程。")

    def _status(self, name):
        env, _nbytes, _after = RINGS[name]
        if os.environ.get(env, "").strip():
            count = len([k for k in os.environ[env].split(",") if k.strip()])
            if name == "secret":
                count = 1 + len([k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()])
            return f"{name}: 环境变量 {env}，{count} 个密钥"
        path = settings.KEYS_DIR / name
        if not path.exists():
            return f"{name}: {path}（尚未生成）"
        mode = stat.S_IMODE(path.stat().st_mode)
        warn = "" if mode & 0o077 == 0 else "  ← 其他账号可读，请 chmod 600"
        return f"{name}: {path}，{len(keyring_read(path))} 个密钥，权限 {mode:04o}{warn}"

