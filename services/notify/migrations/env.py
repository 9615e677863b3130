from alembic import context

from services.notify.models import Base
from services.common.migrations import run_env

run_env(context, Base.metadata)
