"""Counters: service catalogue, queues, staffing, bots and hand-off to back offices.

Built in the next milestone (issue "Counters"); the realtime hall already
provides what it needs: private channels between staff and citizens, and
the event bus for the "now serving" board.
"""
