from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0003_token_lifetime"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(help_text="每个令牌都会过期（GRIDDESK_API_TOKEN_DAYS）", verbose_name="过期时间"),
        ),
    ]
