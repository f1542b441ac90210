"""`GET /healthz` for load balancers: 200 when the database answers and every migration
is applied, 503 otherwise.

It is answered by the first middleware but one, before the host check, the HTTPS
redirect, sessions and auth. A load balancer probes each server over plain HTTP, often
with the server's address as Host, and must get the real answer, not a 400 or a 301.
That is safe: the answer depends on neither the Host header nor the scheme, builds no
URL and shows no data. No login, and cheap: one `SELECT 1` per probe once the
migrations have been found applied.
"""

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PATH = "/healthz"

logger = logging.getLogger(__name__)

# Once true, true for the life of the process: new code, and with it new migrations,
# only ever arrives in a new process.
_migrations_applied = False


def migrations_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not migrations_applied():
            return JsonResponse({"database": "ok", "migrations": "pending"}, status=503)
    except DatabaseError as error:
        logger.warning("Health check: database unreachable: %s", error)
        return JsonResponse({"database": "unreachable"}, status=503)
    return JsonResponse({"database": "ok", "migrations": "applied"})


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)
