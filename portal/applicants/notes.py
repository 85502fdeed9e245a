"""The steps the portal notes on an application, as codes read in the reader's language."""

from __future__ import annotations

from portal.applicants.models import ApplicationNote
from portal.words import N_, Nn_, Words

NOTES = Words({
    "received": N_("Application received."),
    "applied_again": Nn_("Applied again (%(num)s time); the details are updated.",
                         "Applied again (%(num)s times); the details are updated."),
    "applied_again_decided": Nn_("Applied again (%(num)s time); the details are not changed after a decision.",
                                 "Applied again (%(num)s times); the details are not changed after a decision."),
    "photo_unreadable": N_("The photo could not be read: %(why)s"),
    "contacted": N_("Contacted."),
    "test_assigned": N_("Test set assigned: %(name)s."),
    "test_taken": Nn_("Test taken: %(score)s of %(num)s point (%(percent)s%%).",
                      "Test taken: %(score)s of %(num)s points (%(percent)s%%)."),
    "accepted": N_("Accepted."),
    "rejected": N_("Rejected."),
    "rejected_because": N_("Rejected: %(reason)s"),
    "worker_created": N_("Worker account created."),
    "worker_not_created": N_("The worker account could not be created: %(why)s"),
})


def note_text(note: ApplicationNote) -> str:
    """A note in words: a manager's text as written, a noted step in the reader's language."""
    return NOTES.say(note.code, note.params) if note.code else note.text
