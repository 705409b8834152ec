"""Routing and closed-loop referrals: each young person reaches the right door, and the
sender learns the outcome.

- ``rules`` / ``routing``: the routing rules file and the explainable routing engine;
- ``service``: intake (``POST /v1/referrals``), imported records, lifecycle, overdue;
- ``feed``: the recipients' matches feed (at-least-once, acknowledged);
- ``outbox``: notifications to organisations, written in the transaction of the change.
"""
