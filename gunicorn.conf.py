"""gunicorn's settings, from the environment (README, "Running in production").

`gunicorn centra_orders.wsgi` run from the repository root reads this file by itself;
options given on the command line win over it.
"""

import os

from centra_orders.logs import gunicorn_logging_config

# Every interface: the load balancer or reverse proxy in front connects from elsewhere.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# Sync workers, each serving one request at a time; gunicorn's advice is 2 × cores + 1.
# Each holds up to one database connection (see CONN_MAX_AGE).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))

# Replace each worker after about 2,000 requests, so a slow leak cannot grow for ever;
# the jitter keeps the workers from restarting all at once.
max_requests = 2000
max_requests_jitter = 200

# Stopped and reloaded by signals (TERM, HUP); no control socket in $HOME, which two
# servers on one host would fight over.
control_socket_disable = True

# gunicorn's own lines (start-up, workers, one access line per request) in the app's
# format: text, or JSON lines with LOG_FORMAT=json; each line once.
logconfig_dict = gunicorn_logging_config(
    os.environ.get("LOG_FORMAT", "text").strip().lower(),
    os.environ.get("LOG_LEVEL", "WARNING").strip().upper(),
)
# The log line has the time and the request id already.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
