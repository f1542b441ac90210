import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# Every read of events is by order (event_order_time_idx): the index on the time
# alone serves no query, and the user's index need only hold staff events. The
# partial index is built first, while the old one still serves deletes of users;
# then the old ones are dropped. As in 0005, the user's index is dropped by
# itself: Django's AlterField would also drop and re-add the foreign key
# constraint, which revalidates every event under a lock that blocks writes.

PARTIAL = "event_user_idx"


def _plain_user_index_names(schema_editor, model):
    names = schema_editor._constraint_names(model, ["user_id"], index=True)
    return [name for name in names if name != PARTIAL]


def drop_plain_user_index(apps, schema_editor):
    model = apps.get_model("orders", "OrderEvent")
    for name in _plain_user_index_names(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_plain_user_index(apps, schema_editor):
    model = apps.get_model("orders", "OrderEvent")
    if not _plain_user_index_names(schema_editor, model):
        field = model._meta.get_field("user")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0013_partial_status_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="orderevent",
            index=models.Index(
                condition=models.Q(("user__isnull", False)), fields=["user"], name=PARTIAL
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="orderevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_plain_user_index, create_plain_user_index)
            ],
        ),
        migrations.AlterField(
            model_name="orderevent",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
