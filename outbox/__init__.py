"""The outbox: what integrations and the customer mailer are owed, written in the
transaction of the change it reports (see `outbox.publish`)."""
