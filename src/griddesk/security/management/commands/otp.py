"""`griddesk otp enrol USER` · `otp confirm USER CODE` · `otp list` · `otp remove USER`.

The optional second factor of the admin (docs/security.md, "Second factor"): `enrol` prints the
otpauth URI (and a QR code) for the administrator's authenticator app; `confirm` checks one code
from the app and from then on /admin/ asks for a code at every login.
"""

import io
from base64 import b32encode

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from griddesk.orgs.models import Staff


class Command(BaseCommand):
    help = "管理员动态验证码（TOTP）：绑定、确认、查看、解除 / Admin second factor: enrol, confirm, list, remove."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        enrol = sub.add_parser("enrol", help="为账号生成新的验证器密钥（确认前不生效）")
        enrol.add_argument("username")
        enrol.add_argument("--name", default="验证器", help="设备名称，例如“张三的手机”")
        enrol.add_argument("--no-qr", action="store_true", help="不在终端打印二维码")
        confirm = sub.add_parser("confirm", help="用验证器上的一个验证码确认绑定")
        confirm.add_argument("username")
        confirm.add_argument("code")
        sub.add_parser("list", help="已绑定验证器的账号")
        remove = sub.add_parser("remove", help="解除账号的全部验证器（手机丢失时）")
        remove.add_argument("username")

    def handle(self, *args, action, **options):
        getattr(self, action)(**options)

    def _user(self, username):
        user = Staff.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到工作人员账号：{username}")
        return user

    def enrol(self, *, username, name, no_qr, **options):
        user = self._user(username)
        if not user.is_staff:
            self.stderr.write(f"注意：{username} 不能进入管理后台（is_staff 未勾选），验证码只在管理后台登录时使用。")
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)
        secret = b32encode(device.bin_key).decode()
        self.stdout.write(f"请在 {username} 的身份验证器（手机应用）中添加以下账号：\n\n{device.config_url}\n")
        self.stdout.write(f"手动输入的密钥：{secret}（基于时间，6位，30秒）\n")
        if not no_qr:
            self.stdout.write(_qr(device.config_url))
        self.stdout.write(f"然后运行 `griddesk otp confirm {username} 验证码` 确认；确认之前登录不需要验证码。")

    def confirm(self, *, username, code, **options):
        user = self._user(username)
        throttled = False
        with transaction.atomic():
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False):
                allowed, _extra = device.verify_is_allowed()
                throttled = throttled or not allowed
                if allowed and device.verify_token(code.strip().replace(" ", "")):
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    self.stdout.write(f"已确认：{username} 今后登录管理后台需要填写动态验证码。")
                    return
        if not TOTPDevice.objects.filter(user=user, confirmed=False).exists():
            raise CommandError(f"{username} 没有待确认的验证器，请先运行 `griddesk otp enrol {username}`。")
        if throttled:
            raise CommandError("刚才输错了验证码，请等几秒钟后用验证器上最新的验证码重试。")
        raise CommandError("验证码不正确或已过期：请检查手机时间后，用验证器上最新的验证码重试。")

    def list(self, **options):
        devices = TOTPDevice.objects.select_related("user").order_by("user__username", "id")
        if not devices:
            self.stdout.write("还没有账号绑定验证器。")
        for device in devices:
            state = "已确认" if device.confirmed else "待确认"
            used = device.last_used_at.isoformat(timespec="minutes") if device.last_used_at else "从未使用"
            self.stdout.write(f"{device.user.username}\t{device.name}\t{state}\t{used}")

    def remove(self, *, username, **options):
        user = self._user(username)
        count, _ = TOTPDevice.objects.filter(user=user).delete()
        self.stdout.write(f"已解除 {username} 的 {count} 个验证器；下次登录管理后台只需密码。")


def _qr(uri):
    try:
        import segno
    except ImportError:  # pragma: no cover - segno is a dependency
        return ""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()
