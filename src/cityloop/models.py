"""Import every module's tables so metadata (Alembic, tests) sees them all."""

from cityloop.accounts import models as accounts_models
from cityloop.areas import element_models as areas_element_models
from cityloop.areas import grid_models as areas_grid_models
from cityloop.areas import models as areas_models
from cityloop.audit import models as audit_models
from cityloop.cases import models as cases_models
from cityloop.intel import alert_models as intel_alert_models
from cityloop.intel import registry_models as intel_registry_models
from cityloop.kit.db import Base

__all__ = [
    "Base", "accounts_models", "areas_element_models", "areas_grid_models", "areas_models", "audit_models",
    "cases_models", "intel_alert_models", "intel_registry_models",
]
