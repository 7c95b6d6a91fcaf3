"""API tokens from the command line; a new token's plaintext is printed once, on stdout.

    griddesk api_token USERNAME [--name N] [--days D] [--allow-long-lifetime]    (= issue)
    griddesk api_token issue USERNAME [--name N] [--days D] [--allow-long-lifetime]
    griddesk api_token rotate PREFIX [--overlap-hours H] [--days D] [--allow-long-lifetime]
    griddesk api_token revoke PREFIX

Every token expires: after --days, or GRIDDESK_API_TOKEN_DAYS; beyond GRIDDESK_API_TOKEN_MAX_DAYS
only with --allow-long-lifetime. PREFIX is the token's first 8 characters (gdk_…), as the admin shows.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from griddesk.api.models import ApiToken
from griddesk.api.services import (
    MAX_OVERLAP,
    TokenNotRotatable,
    api_token_issue,
    api_token_revoke,
    api_token_rotate,
)
from griddesk.orgs.models import Staff

ACTIONS = ("issue", "rotate", "revoke")


class Command(BaseCommand):
    help = ("签发、轮换、吊销接口令牌（新令牌只显示一次）/ Issue, rotate or revoke API tokens: "
            "api_token [issue] USERNAME | rotate PREFIX | revoke PREFIX")

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="+", metavar="[issue|rotate|revoke] USERNAME|PREFIX")
        parser.add_argument("--name", default="API", help="用途，例如 IVR、微信（签发时）")
        parser.add_argument("--days", type=int, default=None,
                            help="有效天数（缺省为 GRIDDESK_API_TOKEN_DAYS）")
        parser.add_argument("--allow-long-lifetime", action="store_true",
                            help="允许超过 GRIDDESK_API_TOKEN_MAX_DAYS 的有效期")
        parser.add_argument("--overlap-hours", type=int, default=24,
                            help="轮换时旧令牌继续有效的小时数（0..168，缺省 24）")

    def handle(self, *args, words, name, days, allow_long_lifetime, overlap_hours, **options):
        action, target = ("issue", words[0]) if len(words) == 1 else (words[0], words[1])
        if action not in ACTIONS or len(words) > 2:
            raise CommandError("用法：api_token [issue] USERNAME | rotate PREFIX | revoke PREFIX")
        if days is not None and days < 1:
            raise CommandError("--days 必须是正整数。")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            if action == "issue":
                self._issue(target, name, expires_at, allow_long_lifetime)
            elif action == "rotate":
                if not 0 <= overlap_hours <= MAX_OVERLAP.days * 24:
                    raise CommandError(f"--overlap-hours 必须在 0 到 {MAX_OVERLAP.days * 24} 之间。")
                self._rotate(target, timedelta(hours=overlap_hours), expires_at, allow_long_lifetime)
            else:
                token = _token(target)
                api_token_revoke(token=token, actor=None)
                self.stderr.write(f"已吊销令牌 {token.prefix}…（{token.name}，{token.user.username}）。")
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        except TokenNotRotatable as error:
            raise CommandError(str(error)) from None

    def _issue(self, username, name, expires_at, allow_long):
        user = Staff.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到工作人员账号：{username}")
        token, plaintext = api_token_issue(user=user, name=name, actor=None, expires_at=expires_at,
                                           allow_long=allow_long)
        self.stderr.write(f"已为 {username} 签发令牌 {token.prefix}…（{token.name}），"
                          f"{_local(token.expires_at)} 过期。请妥善保存，它不会再次显示：")
        self.stdout.write(plaintext)

    def _rotate(self, prefix, overlap, expires_at, allow_long):
        new, plaintext, old = api_token_rotate(token=_token(prefix), actor=None, overlap=overlap,
                                               expires_at=expires_at, allow_long=allow_long)
        self.stderr.write(f"已轮换：新令牌 {new.prefix}…（{new.name}，{old.user.username}）"
                          f"{_local(new.expires_at)} 过期；旧令牌 {old.prefix}… {_local(old.expires_at)} 起失效。"
                          "新令牌请妥善保存，它不会再次显示：")
        self.stdout.write(plaintext)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _token(prefix):
    """The one live token with this prefix (revoked and expired ones are named, not chosen)."""
    prefix = prefix.strip().rstrip("…").rstrip(".")
    tokens = list(ApiToken.objects.select_related("user").filter(prefix=prefix).order_by("-created_at"))
    if not tokens:
        raise CommandError(f"找不到前缀为 {prefix} 的令牌。")
    live = [t for t in tokens if t.revoked_at is None and t.expires_at > timezone.now()]
    if len(live) > 1:
        raise CommandError(f"前缀 {prefix} 对应 {len(live)} 个有效令牌，请在管理后台按用途区分后吊销。")
    return live[0] if live else tokens[0]

