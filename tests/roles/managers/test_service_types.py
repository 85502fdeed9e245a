import pytest

from portal import clock, orders
from portal.errors import DomainError
from portal.money import Money
from tests.portal.orders.factories import service_type


def test_a_manager_adds_a_service_type_with_the_default_price(client, login_as, db):
    login_as("manager")
    form = client.get("/manager/service-types/new")
    assert b'value="100.00"' in form.data
    response = client.post("/manager/service-types/new", data={
        "code": "cleaning", "name_en": "Cleaning", "name_ru": "Уборка", "description_en": "Tidy up",
        "description_ru": "Приберём", "base_price": "100.00", "active": "y"})
    assert response.status_code == 303
    listing = client.get("/manager/service-types")
    assert b"Cleaning" in listing.data and "Уборка".encode() in listing.data and b"100.00" in listing.data


def test_bad_input_is_shown_next_to_the_field(client, login_as, db):
    login_as("manager")
    service_type(code="cleaning")
    taken = client.post("/manager/service-types/new", data={
        "code": "cleaning", "name_en": "Again", "name_ru": "Снова", "base_price": "100"})
    assert b"Another service already has this code." in taken.data
    price = client.post("/manager/service-types/new", data={
        "code": "garden", "name_en": "Garden", "name_ru": "Сад", "base_price": "a lot"})
    assert b"Enter a price like 100 or 99.50." in price.data
    assert [s.code for s in orders.list_service_types()] == ["cleaning"]


def test_repricing_and_deactivating_hides_it_from_booking(client, login_as, db):
    service = service_type(name_en="Window washing")
    login_as("manager")
    response = client.post(f"/manager/service-types/{service.id}", data={
        "name_en": "Window washing", "name_ru": "Мытьё окон", "base_price": "120,50"})
    assert response.status_code == 303
    db.session.expire_all()
    assert orders.get_service_type(service.id).base_price_cents == 12_050
    assert orders.list_service_types(active_only=True) == []


def test_a_price_past_the_upper_bound_gets_a_message_and_saves_nothing(client, login_as, db):
    login_as("manager")
    for price in ("99999999999999999999", "10000.01"):
        response = client.post("/manager/service-types/new", data={
            "code": "garden", "name_en": "Garden", "name_ru": "Сад", "base_price": price})
        assert "At most 10 000.00 CU." in response.get_data(as_text=True).replace("\u00a0", " ")
    assert orders.list_service_types() == []
    with pytest.raises(DomainError):
        orders.create_service_type("garden", "Garden", "Сад", base_price=orders.MAX_BASE_PRICE + Money(1))
    assert orders.create_service_type("garden", "Garden", "Сад", base_price=orders.MAX_BASE_PRICE).code == "garden"


def _filter_options(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    start = html.index('name="service_type"')
    return html[start:html.index("</select>", start)]


@pytest.mark.parametrize("path", ["/manager/orders", "/manager/quality"])
def test_the_lists_filters_show_a_service_added_or_renamed_at_once(client, login_as, db, path):
    service = service_type(code="windows", name_en="Window washing")
    login_as("manager")
    assert "Window washing" in _filter_options(client, path)  # the names are now kept by this process

    service_type(code="garden", name_en="Gardening")  # added behind the pages' back, as a test factory does
    renamed = client.post(f"/manager/service-types/{service.id}", data={
        "name_en": "Glass polishing", "name_ru": "Мытьё окон", "base_price": "100", "active": "y"})
    assert renamed.status_code == 303

    options = _filter_options(client, path)
    assert "Gardening" in options and "Glass polishing" in options and "Window washing" not in options


def test_an_order_of_a_service_another_process_added_shows_its_name(client, login_as, db):
    """Another process's new service reaches this one by no event: a row naming it reads the
    kept names again rather than showing a blank."""
    from sqlalchemy import insert

    from tests.portal.orders.factories import book

    login_as("manager")
    book(service=service_type(name_en="Window washing"))
    assert "Window washing" in client.get("/manager/orders").get_data(as_text=True)  # names now kept

    new_id = db.session.execute(insert(orders.ServiceType).values(  # Core: no ORM event fires
        code="garden", name_en="Gardening", name_ru="Сад", description_en="", description_ru="",
        base_price_cents=10_000, active=True, created_at=clock.now()).returning(orders.ServiceType.id)).scalar_one()
    db.session.commit()
    book(service=orders.get_service_type(new_id))

    html = client.get("/manager/orders").get_data(as_text=True)
    assert "Gardening" in html and "Window washing" in html
