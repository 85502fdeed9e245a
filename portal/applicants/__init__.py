"""Applicants: applications, test sets, attempts and hiring decisions (SPEC §11).

Other packages use only what is named here. Events published: ``applicant.applied``
(payload: application and photo ids; a job checks the photo) and ``applicant.accepted``
(the new worker's details; the people side creates the account).
"""

from portal.applicants.applications import (
    CHANGE_LINK_HOURS, MAX_PHOTO_BYTES, Applied, accept, add_note, apply, by_status_token,
    change_by_token, check_photo, confirm_change,
    get_application, hired_photo, latest_attempt, mark_contacted, notes, notify_managers,
    open_vacancies, photo_of, record_hired, reject, search_applications, sniff_photo, stage_counts,
)
from portal.applicants.models import FINAL_STAGES, STAGES, Application, Attempt, SkillTest, TestSet
from portal.applicants.notes import note_text
from portal.applicants.testing import (
    add_question, answers_of, assign_test_set, attempt_by_token, attempt_state, finish_attempt,
    finish_overdue, get_test, get_test_set, list_test_sets, list_tests, parse_choices,
    questions_of, remove_question, save_answer, save_test, save_test_set, set_vacancy_default,
    standing, start_attempt, suggested_characteristics, test_set_for, vacancy_defaults,
)

__all__ = [
    "CHANGE_LINK_HOURS", "FINAL_STAGES", "MAX_PHOTO_BYTES", "STAGES", "Application", "Applied", "Attempt", "SkillTest",
    "TestSet", "accept", "add_note", "add_question", "answers_of", "apply", "assign_test_set",
    "attempt_by_token", "attempt_state", "by_status_token", "change_by_token", "check_photo", "confirm_change", "finish_attempt",
    "finish_overdue", "get_application", "get_test", "get_test_set", "hired_photo",
    "latest_attempt", "list_test_sets", "list_tests", "mark_contacted", "note_text", "notes",
    "notify_managers", "open_vacancies", "parse_choices", "photo_of", "questions_of",
    "record_hired", "reject", "remove_question", "save_answer", "save_test", "save_test_set",
    "search_applications", "set_vacancy_default", "sniff_photo", "stage_counts", "standing",
    "start_attempt", "suggested_characteristics", "test_set_for", "vacancy_defaults",
]
