"""Demo applicants at every stage, made through the real operations with a moved clock."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from portal import clock, orders
from portal.applicants import applications as apps
from portal.applicants import testing
from portal.people.models import User

QUESTIONS = {
    "cleaning": [
        ("What do you dust first?", False, 1, [("The top shelves", True), ("The floor", False)]),
        ("Which are cleaning tools?", True, 2, [("Broom", True), ("Mop", True), ("Fishing rod", False)]),
        ("A vase falls. What now?", False, 1, [("Tell the client at once", True), ("Hide the pieces", False)]),
    ],
    "gardening": [
        ("When do roses want water?", False, 1, [("Early morning", True), ("At noon in the sun", False)]),
        ("Which are weeds?", True, 2, [("Dandelion", True), ("Couch grass", True), ("Tulip", False)]),
    ],
}
APPLICANTS = [
    # email, name, breed, fur, vacancy, language, stage, right answers
    ("bella@applicant.test", "Bella Whisk", "Ragdoll", "seal point", "cleaning", "en", "new", 0),
    ("kuzya@applicant.test", "Кузя Пушистый", "Сибирская", "рыжий", "gardening", "ru", "new", 0),
    ("oscar@applicant.test", "Oscar Mews", "British Shorthair", "blue", "cleaning", "en", "contacted", 0),
    ("nala@applicant.test", "Nala Sun", "Abyssinian", "ruddy", "gardening", "en", "test_assigned", 0),
    ("leo@applicant.test", "Leo Swift", "Bengal", "spotted", "cleaning", "en", "test_taken", 3),
    ("milo@applicant.test", "Milo Nap", "Persian", "cream", "cleaning", "en", "test_taken", 1),
    ("zoe@applicant.test", "Zoe Claw", "Sphynx", "pink", "gardening", "en", "rejected", 0),
]


def _photo(n: int) -> bytes:
    img = Image.new("RGB", (240, 240), (150 + n * 13 % 100, 120 + n * 29 % 100, 100 + n * 47 % 100))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def load_applicants(people: dict[str, User]) -> None:
    """Tests and default sets for cleaning and gardening, and applicants in different stages."""
    manager = people["manager@mcf.test"]
    services = {s.code: s for s in orders.list_service_types()}
    for code, questions in QUESTIONS.items():
        if code not in services:
            return
        test = testing.save_test(None, f"{services[code].name_en} basics", services[code].id)
        for text, multiple, points, choices in questions:
            testing.add_question(test.id, text, multiple, points, choices)
        tset = testing.save_test_set(None, f"{services[code].name_en} test", 20, 90, [test.id])
        testing.set_vacancy_default(services[code].id, tset.id)
    real_now = clock.now()
    try:
        for n, (email, name, breed, fur, code, lang, stage, right) in enumerate(APPLICANTS):
            clock.freeze(real_now - timedelta(days=len(APPLICANTS) - n, hours=n))
            app = apps.apply(email, name, 2 + n % 5, breed, fur, "I would love to help.", services[code].id,
                             _photo(n), language=lang).application
            apps.check_photo(app.photo_id)
            if stage == "new":
                continue
            clock.advance(timedelta(hours=3))
            apps.mark_contacted(app.id, manager)
            apps.add_note(app.id, "Called; friendly and keen to start.", manager)
            if stage == "rejected":
                apps.reject(app.id, "We have enough gardeners for now.", manager)
            if stage in ("test_assigned", "test_taken"):
                token = testing.assign_test_set(app.id, None, manager).rsplit("/", 1)[1]
            if stage == "test_taken":
                clock.advance(timedelta(hours=20))
                attempt = testing.start_attempt(token)
                for i, q in enumerate(testing.questions_of(attempt.test_set)):
                    chosen = [c.id for c in q.choices if c.correct == (i < right)]
                    testing.save_answer(token, q.id, chosen)
                testing.finish_attempt(token)
    finally:
        clock.reset()
