"""Every context's tables, imported so that Alembic and the tests see one metadata."""

from portal.applicants import models as _applicants  # noqa: F401
from portal.bets import models as _bets  # noqa: F401
from portal.db import db
from portal.client_billing import models as _client_billing  # noqa: F401
from portal.events import models as _events  # noqa: F401
from portal.ledger import models as _ledger  # noqa: F401
from portal.matching import models as _matching  # noqa: F401
from portal.notifications import models as _notifications  # noqa: F401
from portal.operations import models as _operations  # noqa: F401
from portal.orders import models as _orders  # noqa: F401
from portal.people import models as _people  # noqa: F401
from portal.quality import models as _quality  # noqa: F401
from portal.runs import models as _runs  # noqa: F401
from portal.warehouse import bakery as _sandbox_bakery  # noqa: F401 - the sandbox contractor's books
from portal.warehouse import models as _warehouse  # noqa: F401
from portal.worker_billing import models as _worker_billing  # noqa: F401

metadata = db.metadata
