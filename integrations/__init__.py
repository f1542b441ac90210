"""What leaves the back office: the delivery worker (webhooks, customer e-mails),
the pull queue and Order API, and the integrations' admin. Reads the outbox that
`orders.events` writes."""
