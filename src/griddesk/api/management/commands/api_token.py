"""`griddesk api_token USERNAME [--name N] [--days D]`: issue an API token, printed once."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from griddesk.api.services import api_token_issue
from griddesk.orgs.models import Staff


class Command(BaseCommand):
    help = "签发接口令牌（只显示一次）/ Issue an API token for a staff account; it is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="API", help="用途，例如 IVR、微信")
        parser.add_argument("--days", type=int, default=None, help="有效天数（缺省不过期）")

    def handle(self, *args, username, name, days, **options):
        user = Staff.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到工作人员账号：{username}")
        if days is not None and days < 1:
            raise CommandError("--days 必须是正整数。")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            token, plaintext = api_token_issue(user=user, name=name, actor=None, expires_at=expires_at)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        self.stderr.write(f"已为 {username} 签发令牌 {token.prefix}…（{token.name}）。请妥善保存，它不会再次显示：")
        self.stdout.write(plaintext)
