"""Demo accounts: every role, password ``demo``, workers with portraits."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw
from sqlalchemy import select

from portal import clock
from portal.db import db
from portal.people.models import User, WorkerProfile
from portal.people.passwords import hash_password
from portal.people.photos import save_photo

DEMO_PASSWORD = "demo"

STAFF = [
    ("manager@mcf.test", "manager", "Marquise Whiskers", "en"),
    ("manager.ru@mcf.test", "manager", "Мурка Петровна", "ru"),
    ("warehouse@mcf.test", "warehouse", "Barsik Shelves", "en"),
]
CLIENTS = [
    ("client@mcf.test", "Tom Tabby", "12 Catnip Lane", "en"),
    ("client.ru@mcf.test", "Васька Рыжий", "ул. Кошачья, 7", "ru"),
    ("felix@mcf.test", "Felix Gray", "3 Mouse Street", "en"),
    ("luna@mcf.test", "Luna Moon", "48 Yarn Avenue", "en"),
]
WORKERS = [
    ("worker@mcf.test", "Oliver Paws", "Maine Coon", "ginger", 4, "en"),
    ("worker.ru@mcf.test", "Мурзик Быстрый", "Сибирская", "серый", 3, "ru"),
    ("simba@mcf.test", "Simba Strong", "Bengal", "spotted gold", 5, "en"),
    ("cleo@mcf.test", "Cleo Neat", "Siamese", "cream", 2, "en"),
    ("max@mcf.test", "Max Fluff", "Persian", "white", 6, "en"),
]
FUR = {"ginger": (230, 140, 60), "серый": (140, 140, 150), "spotted gold": (210, 170, 80),
       "cream": (240, 225, 190), "white": (245, 245, 245)}


def portrait(colour: tuple[int, int, int], seed: int) -> bytes:
    """A simple cat face, so demo workers have a photo."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (320, 320), (rnd.randint(180, 230), rnd.randint(200, 235), 240))
    d = ImageDraw.Draw(img)
    d.polygon([(70, 120), (100, 30), (150, 100)], fill=colour)
    d.polygon([(250, 120), (220, 30), (170, 100)], fill=colour)
    d.ellipse((60, 70, 260, 280), fill=colour)
    for x in (120, 200):
        d.ellipse((x - 18, 140, x + 18, 180), fill=(40, 120, 60))
        d.ellipse((x - 6, 146, x + 6, 174), fill=(10, 10, 10))
    d.polygon([(150, 200), (170, 200), (160, 212)], fill=(220, 120, 140))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def load_people() -> dict[str, User]:
    """Create the demo accounts unless they exist; returns them by email."""
    now = clock.now()
    pw = hash_password(DEMO_PASSWORD)
    existing = {u.email: u for u in db.session.scalars(select(User))}
    made: dict[str, User] = dict(existing)

    def account(email, role, name, lang, address=""):
        if email in made:
            return made[email]
        user = User(email=email, password_hash=pw, role=role, name=name, address=address,
                    language=lang, active=True, created_at=now)
        db.session.add(user)
        db.session.flush()
        made[email] = user
        return user

    for email, role, name, lang in STAFF:
        account(email, role, name, lang)
    for email, name, address, lang in CLIENTS:
        account(email, "client", name, lang, address)
    for i, (email, name, breed, fur, age, lang) in enumerate(WORKERS):
        if email in made:
            continue
        user = account(email, "worker", name, lang)
        photo = save_photo(portrait(FUR.get(fur, (200, 160, 120)), i))
        db.session.add(WorkerProfile(user_id=user.id, age=age, breed=breed, fur_colour=fur,
                                     photo_id=photo.id, strengths=[], weaknesses=[], about=""))
    db.session.commit()
    return made


def demo_logins() -> list[tuple[str, str]]:
    """(email, role) of every demo account (the README lists the same), for the login page."""
    rows = [(e, r) for e, r, _, _ in STAFF]
    rows += [(e, "client") for e, _, _, _ in CLIENTS]
    rows += [(e, "worker") for e, *_ in WORKERS]
    return rows
