from tests.portal.bets.factories import kits_handed_out  # noqa: F401 - fixture
